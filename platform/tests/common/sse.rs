//! Reading the platform's Server-Sent Events streams (the live stream and
//! the merchant's feed) one event at a time. The parsing is
//! eventsource-stream's, done as a browser's `EventSource` does it; this
//! module adds the `ready` event every stream opens with and a guard
//! against a stream that hangs.

use std::time::Duration;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures_util::stream::{BoxStream, StreamExt};
use reqwest::{Response, StatusCode};

use super::Platform;

/// A guard against a hung stream, not a timing assertion: every event a
/// test waits for follows from what the test already did.
pub const HANG_GUARD: Duration = Duration::from_secs(20);

/// An open event stream: a live subscription or the merchant's feed.
pub struct Subscription {
    /// The response body as parsed events; keep-alive comments are not
    /// events, so they never show up here.
    events: BoxStream<'static, Result<Event, EventStreamError<reqwest::Error>>>,
}

impl Subscription {
    /// Opens the stream at `path`, presenting `bearer` as bearer token if
    /// given, and waits for its `ready` event.
    pub async fn open(platform: &Platform, path: &str, bearer: Option<&str>) -> Subscription {
        let mut request = platform.client.get(platform.url(path));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Subscription::after_ready(response).await
    }

    /// Reads `response`, an open event stream, from after its `ready`
    /// event: from then on the stream carries every change published.
    pub async fn after_ready(response: Response) -> Subscription {
        let mut subscription = Subscription {
            events: response.bytes_stream().eventsource().boxed(),
        };
        assert_eq!(subscription.next().await.0, "ready");
        subscription
    }

    /// The next event's name and data.
    pub async fn next(&mut self) -> (String, String) {
        let event = tokio::time::timeout(HANG_GUARD, self.events.next())
            .await
            .expect("no event arrived")
            .expect("stream ended")
            .unwrap();
        (event.event, event.data)
    }
}
