#pragma once

#include <httplib.h>

namespace probe::sim {

// Aborts the TCP connection that carries `request` with a RST, so the client gets no response.
// Returns false when the connection's socket cannot be found.
// NOTE: cpp-httplib 0.11 gives handlers no access to the socket, so this searches the process's
// descriptors for the one whose local and peer ports match the request. Linux only.
bool reset_connection(const httplib::Request& request);

}  // namespace probe::sim
