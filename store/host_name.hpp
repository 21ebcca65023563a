// The name of the machine this process runs on (gethostname): the host of
// the controller's own services (Nova's scheduler and conductor, Neutron's
// agents of the network host).
#pragma once

#include <string>

namespace cumulo {

// "localhost" when the system will not say.
std::string host_name();

}  // namespace cumulo
