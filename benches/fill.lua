-- wrk script: the signed sendNotification of send.lua, until each thread has had FILL_PER_THREAD answers
-- (an environment variable), so that a store can be filled with an exact number of notifications.
dofile("benches/send.lua")
local per_thread = tonumber(os.getenv("FILL_PER_THREAD") or "10000")
local answered = 0
function response(status, headers, body)
  answered = answered + 1
  if answered >= per_thread then
    wrk.thread:stop()
  end
end
