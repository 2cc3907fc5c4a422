-- wrk script: a signed, strict-valid sendNotification (the token is for this exact query).
wrk.method = "POST"
wrk.path = "/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"users":[1,3,4],"title":"构建成功","subtitle":"main #42","content":"**全部通过**","contentType":"text","url":"https://ci.example.com/builds/42","actions":[{"label":"查看","url":"https://ci.example.com/builds/42","type":"primary"}],"sender":{"id":"ci","name":"CI","avatar":"https://ci.example.com/logo.png"}}'
