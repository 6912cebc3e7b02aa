//! Noticing that a `/sync` client has gone before its answer starts.
//!
//! actix notices a closed connection only when it writes to it. A query that computes for
//! minutes before its first row (an aggregate, a crossmatch COUNT) would run on for nobody. So
//! each connection keeps a duplicate of its socket, and while a sync request waits for its first
//! batch, the handler peeks at it: end of stream (or a reset) means the client is gone, and the
//! handler returns, which drops the query.

use std::any::Any;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::os::fd::AsFd;
use std::time::Duration;

use actix_web::dev::Extensions;

/// How often a waiting handler looks at its socket.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A duplicate of one connection's socket, in the connection's extensions.
pub struct PeerSocket(TcpStream);

/// `HttpServer::on_connect` callback: remembers the socket of each TCP connection.
pub fn remember_socket(conn: &dyn Any, extensions: &mut Extensions) {
    if let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        // The duplicate shares the open file (and its O_NONBLOCK flag); it lives exactly as long
        // as the connection's extensions.
        if let Ok(fd) = stream.as_fd().try_clone_to_owned() {
            extensions.insert(PeerSocket(TcpStream::from(fd)));
        }
    }
}

impl PeerSocket {
    /// True once the client closed or reset the connection. Bytes waiting (a pipelined request)
    /// or none yet both mean it is still there.
    fn is_gone(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.0.peek(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => false,
            Err(_) => true,
        }
    }

    /// Resolves when the client is gone (never, if it stays).
    pub async fn gone(&self) {
        loop {
            tokio::time::sleep(POLL_INTERVAL).await;
            if self.is_gone() {
                return;
            }
        }
    }
}
