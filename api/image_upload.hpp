// PUT /image/v2/images/{id}/file, streamed. Pistache 0.0.5 buffers a whole
// request body before a handler sees it (pistacheio/pistache#639), and a
// multi-GiB image must never sit in memory. So the server's handler frames
// every request itself: requests go to Pistache's parser and router as
// before, except image uploads, whose bodies are written to a spool file in
// the image folder as they arrive, hashed on the way (md5, sha512), and
// checked against the size cap. The image goes queued -> saving when the
// caller is known to be allowed, and saving -> active once the file is
// durable and renamed to the image's; a client that goes away, a full disk
// or a body over the cap leave no file and put the image back in queued.
// PUT /image/v2/images/{id}/stage (Glance's glance-direct import) streams
// the same way into the staging area: queued -> uploading, the bytes in
// <id>.staged once whole, or back to queued.
#pragma once

#include <memory>

#include "api/server_context.hpp"

namespace Pistache::Http {
class Handler;
}
namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

std::shared_ptr<Pistache::Http::Handler> make_upload_handler(const Pistache::Rest::Router& router,
                                                             server_context& ctx);

}  // namespace cumulo::api
