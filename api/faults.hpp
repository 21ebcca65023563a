// The fault API of `cumulo serve --faults` (scenario drills): admin only,
// and absent (404) unless the cloud runs with --faults.
//   GET    /cumulo/v1/faults  200 {"faults": ["compute-2: libvirt calls fail for 12.3 s", ...]}
//   POST   /cumulo/v1/faults  202, body {"fault": {"type": T, ...}}:
//            crash_host        {"host"}: the host's actor dies; its supervisor starts it again
//            libvirt_fail      {"host", "seconds"}: its libvirt calls fail for that long
//            libvirt_hang      {"host", "seconds"}: its libvirt calls block for that long
//            image_store_full  uploads fail with 413 "Image storage media is full" until
//            image_store_ok      this (or DELETE)
//            volume_backend_full volume creates, snapshots and extends fail with the
//            volume_backend_ok     backend's "Not enough space: N GB asked, 0 GB free"
//                                  until this (or DELETE)
//          400 bad body, 404 unknown host
//   DELETE /cumulo/v1/faults  204: every fault cleared
// Errors are in Nova's format; a non-admin gets 403.
#pragma once

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

struct server_context;

void add_fault_routes(Pistache::Rest::Router& router, server_context& ctx);

}  // namespace cumulo::api
