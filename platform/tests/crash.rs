//! Crash safety: the platform binary is killed with SIGKILL in the middle of
//! a checkout load; after a restart on the same database (a SQLite file, or
//! a PostgreSQL database, see `common::TestDb`), every order whose
//! confirmation reached a client is there, and stock adds up.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::TestDb;
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_wire::{OrderConfirmation, OrderList, Session};
use reqwest::{Client, StatusCode};
use serde_json::json;

const BINARY: &str = env!("CARGO_BIN_EXE_kiosk-platform");

/// Checkouts started in the load; the kill comes after a third of them
/// answered, so some are acknowledged and some are in flight.
const CHECKOUTS: usize = 30;

/// Starts `kiosk-platform serve` on a free port; returns the process and
/// its base URL, read from its "serving" log line.
fn start(db: &TestDb) -> (Child, String) {
    let mut child = Command::new(BINARY)
        .args(["--db", &db.target, "serve", "--addr", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("platform exited before serving")
            .unwrap();
        if line.contains("serving") {
            let at = line.find("127.0.0.1:").unwrap();
            let addr: String = line[at..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect();
            break addr;
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

/// Every acknowledged order survives `kill -9` and a restart, and the
/// stock taken by the orders on file is exactly the stock that is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_orders_survive_kill_9() {
    let db = TestDb::new().await;
    {
        let store = db.open().await;
        kiosk_platform::seed::demo(&store).await.unwrap();
    }
    let stock_before = 120; // prd_camp-mug in the demo store

    let (mut platform, base) = start(&db);
    let client = Client::new();
    let mut sessions = Vec::new();
    for _ in 0..CHECKOUTS {
        let session: Session = client
            .post(format!("{base}/v1/sessions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let added = client
            .post(format!("{base}/v1/cart/lines"))
            .bearer_auth(&session.token)
            .json(&json!({ "product_id": "prd_camp-mug", "quantity": 1 }))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), StatusCode::OK);
        sessions.push(session);
    }

    let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
    for (i, session) in sessions.into_iter().enumerate() {
        let client = client.clone();
        let url = format!("{base}/v1/checkout");
        let answers = answers.clone();
        tokio::spawn(async move {
            let body = json!({
                "contact": { "email": "crash@example.com", "name": "C" },
                "shipping_address": { "line1": "1 Way", "city": "Town",
                                      "postal_code": "1", "country": "DE" },
                "shipping_option": "standard",
                "payment": { "card_number": "4242424242424242", "expiry": "12/39", "cvc": "123" }
            });
            let result = client
                .post(url)
                .bearer_auth(&session.token)
                .header("idempotency-key", format!("crash-{i}"))
                .json(&body)
                .send()
                .await;
            let confirmation = match result {
                Ok(response) if response.status() == StatusCode::CREATED => {
                    response.json::<OrderConfirmation>().await.ok()
                }
                _ => None,
            };
            let _ = answers.send(confirmation);
        });
    }
    drop(answers);

    let mut acknowledged = Vec::new();
    let mut received = 0;
    while let Some(answer) = answered.recv().await {
        received += 1;
        acknowledged.extend(answer.map(|order| order.number));
        if received == CHECKOUTS / 3 {
            platform.kill().unwrap(); // SIGKILL on Unix
            platform.wait().unwrap();
        }
    }
    assert!(!acknowledged.is_empty());

    // Restart on the same file and read the orders as the merchant.
    let (_, key) = db
        .open()
        .await
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await
        .unwrap();
    let (mut restarted, base) = start(&db);
    let list: OrderList = client
        .get(format!("{base}/v1/merchant/orders?limit=500"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let on_file: Vec<&str> = list.orders.iter().map(|o| o.number.as_str()).collect();
    for number in &acknowledged {
        assert!(
            on_file.contains(&number.as_str()),
            "acknowledged order {number} lost"
        );
    }
    let product: serde_json::Value = client
        .get(format!("{base}/v1/products/prd_camp-mug"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let taken: i64 = list
        .orders
        .iter()
        .flat_map(|o| o.lines.iter())
        .map(|l| l.quantity)
        .sum();
    assert_eq!(product["stock"].as_i64().unwrap(), stock_before - taken);
    restarted.kill().unwrap();
    restarted.wait().unwrap();
}
