// A listening socket inside a network namespace, for a server that runs in
// cumulo's own namespace: the metadata service listens on
// 169.254.169.254:80 in each network's DHCP namespace (Neutron's metadata
// proxy does the same from inside it). A socket belongs to the namespace it
// was made in, whichever thread uses it later, so only its making needs the
// namespace: a thread of its own enters it (setns), makes the socket and
// goes back.
#pragma once

#include <cstdint>
#include <string>

namespace cumulo {

// A non-blocking, close-on-exec TCP socket listening on address:port (IPv4)
// in the namespace /run/netns/<netns> ("": the caller's own namespace).
// IP_FREEBIND: the address need not be on an interface yet (the namespace's
// plumbing may add it after). Throws std::system_error naming the step
// that failed (a namespace that does not exist, no CAP_SYS_ADMIN, a port in
// use), std::invalid_argument for a name that is not a plain file name or
// an address that is not IPv4.
int listen_in_netns(const std::string& netns, const std::string& address, std::uint16_t port,
                    int backlog = 64);

// Which namespace /run/netns/<netns> is now ("": the caller's own), as the
// inode of its nsfs file; 0 when there is none. A namespace deleted and
// made again under its name has another: a socket of the old one serves
// nobody.
std::uint64_t netns_inode(const std::string& netns);

}  // namespace cumulo
