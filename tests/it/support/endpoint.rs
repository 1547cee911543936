//! The SWF endpoints the tests run against, each on a free loopback port: moto's SWF server, a
//! third party's implementation of the SWF protocol, and caravan's own local endpoint run by
//! `caravan local`.
//!
//! `scripts/test.sh` installs moto into `.venv`; `CARAVAN_MOTO_SERVER` can point at another
//! `moto_server` executable.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::wait_for;

/// Which implementation of SWF an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Moto,
    Local,
}

pub struct Endpoint {
    child: Child,
    pub addr: SocketAddr,
    _folder: Option<tempfile::TempDir>,
}

impl Endpoint {
    /// Starts the endpoint of `kind`.
    pub fn of_kind(kind: Kind) -> Endpoint {
        match kind {
            Kind::Moto => Endpoint::moto(),
            Kind::Local => Endpoint::local(),
        }
    }

    /// Starts `caravan local` with a config file that sets a free port and a 5-second poll window.
    pub fn local() -> Endpoint {
        Endpoint::local_with_poll_window(5)
    }

    /// Starts `caravan local` on a free port, holding empty long polls for `poll_window_secs`.
    pub fn local_with_poll_window(poll_window_secs: u64) -> Endpoint {
        let folder = super::scratch();
        let port = free_port();
        let config = folder.path().join("local.ini");
        std::fs::write(
            &config,
            format!("[local]\nlisten = 127.0.0.1:{port}\npoll_window_secs = {poll_window_secs}\n"),
        )
        .expect("config");
        let child = Command::new(super::caravan_bin())
            .arg("local")
            .arg(&config)
            .env_clear()
            .envs(super::isolated_env(folder.path()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("caravan local starts");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));

        let listening = wait_for(Duration::from_secs(30), || TcpStream::connect(addr).ok());
        assert!(
            listening.is_some(),
            "caravan local did not listen on {addr} within 30 s"
        );
        Endpoint {
            child,
            addr,
            _folder: Some(folder),
        }
    }

    pub fn moto() -> Endpoint {
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
        Endpoint {
            child,
            addr,
            _folder: None,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Endpoint {
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
