//! moto's SWF server on a free loopback port, a third party's implementation of the SWF protocol.
//!
//! `scripts/test.sh` installs moto into `.venv`; `CARAVAN_MOTO_SERVER` can point at another
//! `moto_server` executable.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::wait_for;

pub struct Moto {
    child: Child,
    pub addr: SocketAddr,
}

impl Moto {
    pub fn start() -> Moto {
        let program = moto_server();
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));

        let listening = wait_for(Duration::from_secs(30), || TcpStream::connect(addr).ok());
        assert!(listening.is_some(), "moto_server did not listen on {addr} within 30 s");
        Moto { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("CARAVAN_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    assert!(
        venv.exists(),
        "moto_server not found at {}: run scripts/test.sh, which installs it, or set CARAVAN_MOTO_SERVER",
        venv.display()
    );
    venv
}

/// Returns a loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}
