// The compute side of a fresh data dir: Nova's default flavors m1.tiny
// ("1") to m1.xlarge ("5"), through the compute actor, as events. Each is
// made only when its stream has never existed, so a restart appends no
// event, a start interrupted halfway finishes the set, and a default an
// admin deleted stays deleted.
#pragma once

#include <string>
#include <vector>

namespace cumulo {

class cloud;

// The ids of the flavors it created. Throws std::runtime_error when a
// request fails.
std::vector<std::string> bootstrap_flavors(cloud& c);

}  // namespace cumulo
