# Sourced by benches/million.sh and benches/trim-cost.sh: the load benches/million.lua sends, and the
# applications it sends as.
#   million_requests FILE   writes the signed requests million.lua cycles through to FILE and exports
#                           MILLION_REQUESTS: per application 3 notifications, 1 chat message, 1 direct
#                           API send; one rejected send (no sender) per 20 requests.
#   add_apps URL            registers the applications other than the fixtures' myAppCode on the server.
md5() { printf %s "$1" | md5sum | cut -d' ' -f1; }
KEY=3cd0914d656e90ab181f1d52ff352cfe
APPS="myAppCode ciBot deployBot shopApp"

million_requests() {
  local app f q p kind
  for app in $APPS; do
    for f in sendNotification sendNotification sendNotification sendChatMessage; do
      q="m=im&f=$f&code=$app"
      kind=notify; [ "$f" = sendChatMessage ] && kind=chat
      printf '%s\t/x.php?%s&token=%s\n' "$kind" "$q" "$(md5 "$(md5 "$q")$KEY")"
    done
    p="im/sendNotification?code=$app"
    printf 'xxd\t/%s&token=%s\n' "$p" "$(md5 "$(md5 "$p")$KEY")"
  done > "$1"
  q="m=im&f=sendNotification&code=myAppCode"
  printf 'reject\t/x.php?%s&token=%s\n' "$q" "$(md5 "$(md5 "$q")$KEY")" >> "$1"
  export MILLION_REQUESTS="$1"
}

add_apps() {
  local app
  for app in $APPS; do
    [ "$app" = myAppCode ] && continue
    curl -sf -o /dev/null -H 'Content-Type: application/json' "$1/__inspect/apps" \
      -d "{\"code\":\"$app\",\"key\":\"$KEY\",\"ip\":\"*\",\"account\":\"admin\"}"
  done
}
