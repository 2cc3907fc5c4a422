//! Stopping the binary: SIGTERM is not held by open `/__inspect/events` streams (a `/__ui` tab keeps
//! one open). Each stream ends cleanly, with the end of its body, before the process exits; a stream
//! cut by the server's forced close after its grace period would end in an error instead. The time
//! it takes is measured by `benches/shutdown.sh`, not here.

use crate::helpers::start_binary;
use std::process::Command;

#[tokio::test]
async fn sigterm_ends_open_event_streams_cleanly_and_the_process_exits() {
    let (mut child, url) = start_binary(&[]);
    let client = reqwest::Client::new();
    let mut streams = Vec::new();
    for _ in 0..10 {
        let mut response = client
            .get(format!("{url}/__inspect/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let opening = response
            .chunk()
            .await
            .unwrap()
            .expect("the opening comment");
        assert_eq!(&opening[..], b": connected\n\n");
        streams.push(response);
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    for mut stream in streams {
        loop {
            match stream.chunk().await {
                Ok(Some(chunk)) => assert!(
                    chunk.starts_with(b":"),
                    "only comments after the opening: {chunk:?}"
                ),
                Ok(None) => break,
                Err(e) => panic!("the stream was cut instead of ended: {e:?}"),
            }
        }
    }
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "a clean exit, not {status}");
}
