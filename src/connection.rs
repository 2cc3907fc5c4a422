//! The TCP connection a request arrived on, kept per connection so that an injected `drop` fault
//! can close it without sending a single byte of an answer.

use std::any::Any;

/// A duplicate of the connection's socket (closing it does not close the connection; shutting it
/// down does).
#[cfg(unix)]
pub struct ConnectionSocket(std::os::fd::OwnedFd);

#[cfg(not(unix))]
pub struct ConnectionSocket;

/// The `on_connect` hook: remembers the socket of every new connection.
pub fn remember(connection: &dyn Any, data: &mut actix_web::dev::Extensions) {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Some(socket) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            if let Ok(fd) = socket.as_fd().try_clone_to_owned() {
                data.insert(ConnectionSocket(fd));
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (connection, data);
    }
}

impl ConnectionSocket {
    /// Shuts the connection down in both directions: the client sees it closed with no answer.
    pub fn shut_down(&self) {
        #[cfg(unix)]
        if let Ok(fd) = self.0.try_clone() {
            let _ = std::net::TcpStream::from(fd).shutdown(std::net::Shutdown::Both);
        }
    }
}
