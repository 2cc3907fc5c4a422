-- wrk script for benches/million.sh: a realistic mix of calls, cycling through signed requests prepared
-- by the shell (MILLION_REQUESTS names a file of lines "KIND<TAB>PATH": KIND is notify, chat, xxd or
-- reject). The bodies vary: recipients, titles (mostly unique, from a few templates), chats, senders.
local requests = {}
for line in io.lines(os.getenv("MILLION_REQUESTS")) do
  local kind, path = line:match("^(%S+)\t(%S+)$")
  if kind then requests[#requests + 1] = { kind = kind, path = path } end
end

local groups = {
  "30683aea-7a1f-4ec8-a6d6-834e0310fd7d", "81c6ba89-00ab-4431-8e47-063556ae4886",
  "64da14c3-c07a-45af-9c61-4e638de4af26",
}
local recipients = { "[1,3]", "[2]", "[3,4,5]", "[6]", "[\"zhangsan\"]", "[1,2,3,4,5,6]", "[4]", "[5,6]" }
local templates = { "构建成功 #%d", "部署失败 service-%d", "Order %d shipped", "周报 第%d期", "Alert: disk %d%% full" }
local sender = '{"id":"ci","name":"CI","avatar":"https://ci.example.com/logo.png"}'
local n = 0

function init(args)
  -- Each thread starts elsewhere in the cycle and numbers its titles in its own range.
  n = math.random(1, 1000000) * 1000
end

request = function()
  n = n + 1
  local r = requests[(n % #requests) + 1]
  local title = string.format(templates[math.random(#templates)], n)
  local body
  if r.kind == "chat" then
    body = string.format('{"gid":"%s","title":"%s","content":"**build %d**","contentType":"text","sender":%s}',
      groups[math.random(#groups)], title, n, sender)
  elseif r.kind == "xxd" then
    body = string.format('{"users":[%d,%d],"title":"%s","content":"from the direct API","sender":{"id":"ops","displayName":"Ops","avatar":"https://ops.example.com/ops.png"}}',
      (n % 6) + 1, ((n + 2) % 6) + 1, title)
  elseif r.kind == "reject" then
    body = string.format('{"users":[1],"title":"%s","content":"no sender","contentType":"text"}', title)
  else
    body = string.format('{"users":%s,"title":"%s","subtitle":"main #%d","content":"**全部通过**","contentType":"text","url":"https://ci.example.com/builds/%d","actions":[{"label":"查看","url":"https://ci.example.com/builds/%d","type":"primary"}],"sender":%s}',
      recipients[math.random(#recipients)], title, n, n, n, sender)
  end
  return wrk.format("POST", r.path, { ["Content-Type"] = "application/json" }, body)
end
