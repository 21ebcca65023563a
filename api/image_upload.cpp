#include "api/image_upload.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "actors/image_registry.hpp"
#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/connection_guard.hpp"
#include "api/glance_errors.hpp"
#include "api/http_framing.hpp"
#include "api/image.hpp"
#include "store/ids.hpp"
#include "virt/fault_board.hpp"
#include "crypto/image_digest.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using namespace Pistache;

// Bytes gathered before a write(2): Pistache hands over 4 KiB at a time.
constexpr std::size_t write_block = 1 << 20;

const char* reason_of(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    default:
      return status_title(status);
  }
}

// An upload's answer and what follows it on the connection. HTTP/1.1
// answers in order, and the upload's 204 comes from a CAF thread once its
// data is durable: a request pipelined behind the upload that arrives
// before then is not read. The 204 then says Connection: close and the
// write side is shut, so the client sends that request again on a new
// connection (RFC 9112, 9.3.2). Before, it was answered and the 204 lost.
struct upload_turn {
  std::mutex m;
  bool answered = false;
  bool close_after = false;  // input came before the answer: close after it
};

// Answers an upload with bytes of our own: the request never reached
// Pistache's parser, so it has no ResponseWriter. `on_send` runs before
// the bytes go out, once.
class raw_responder final : public responder {
 public:
  // html_errors: errors go out as Glance's HTML page (api/glance_errors.hpp).
  raw_responder(std::weak_ptr<Tcp::Peer> peer, std::shared_ptr<in_flight> flight, bool keep_alive,
                std::shared_ptr<upload_turn> turn, bool html_errors)
      : responder(service::image, new_request_id()),
        peer_(std::move(peer)),
        flight_(std::move(flight)),
        keep_alive_(keep_alive),
        html_errors_(html_errors),
        turn_(std::move(turn)) {
    flight_->begin();
  }
  ~raw_responder() override {
    if (!sent_) {
      log().error("upload ended without answering");
      send(500, error_body(svc(), 500, "The request was not answered."), {});
    }
  }

  std::function<void()> on_send;

  void send_text(int status, std::string body, const header_list& headers) override {
    if (sent_.exchange(true)) return;
    if (on_send) on_send();
    bool close = !keep_alive_;
    {
      std::lock_guard lock(turn_->m);
      turn_->answered = true;
      close = close || turn_->close_after;
    }
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_of(status) + "\r\n";
    out += "X-OpenStack-Request-Id: " + request_id() + "\r\n";
    if (html_errors_ && status >= 400 && !body.empty()) {
      body = glance_error_page(status, body);
      out += "Content-Type: text/html; charset=UTF-8\r\n";
    } else if (!body.empty()) {
      out += "Content-Type: application/json\r\n";
    }
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    out += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
    out += body;
    if (auto peer = peer_.lock(); peer && !flight_->closed()) {
      auto sent = peer->send(RawBuffer(std::move(out), out.size()));
      if (turn_->close_after) {
        std::weak_ptr<Tcp::Peer> weak = peer;
        sent.then(
            [weak](ssize_t) {
              if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR);
            },
            Async::IgnoreException);
      }
    }
    flight_->end();
  }

  // The client is gone: nothing to answer, and nothing to wait for.
  void drop() {
    if (sent_.exchange(true)) return;
    flight_->end();
  }

 private:
  std::weak_ptr<Tcp::Peer> peer_;
  std::shared_ptr<in_flight> flight_;
  bool keep_alive_;
  bool html_errors_;
  std::shared_ptr<upload_turn> turn_;
  std::atomic<bool> sent_{false};
};

// What a streamed PUT fills: an image's data (/file), or its staging area
// (/stage, Glance's glance-direct import). The same streaming, hashing and
// cap; other commands, and another file at the end.
enum class put_target { data, stage };

struct upload_request {
  std::string image_id;
  put_target into = put_target::data;
};

// One upload: its spool file, digests, and where it stands. Body bytes
// come from the reactor thread, the registry's answers on CAF threads.
class image_upload : public std::enable_shared_from_this<image_upload> {
 public:
  image_upload(server_context& ctx, const request_head& head, upload_request what,
               std::weak_ptr<Tcp::Peer> peer)
      : ctx_(ctx),
        head_(head),
        id_(std::move(what.image_id)),
        stage_(what.into == put_target::stage) {
    const bool keep_alive = head.version == "HTTP/1.1" && head.header("connection") != "close";
    r_ = std::make_shared<raw_responder>(std::move(peer), ctx.flight, keep_alive, turn_,
                                         !prefers_json(head.header("accept")));
    r_->set_request_line(head.method + " " + head.path);
    digest_ = std::make_unique<image_digest>();
    buffer_.reserve(write_block);
  }

  ~image_upload() { discard_spool(); }

  std::shared_ptr<upload_turn> turn() const { return turn_; }

  void start(const std::optional<std::uint64_t>& declared) {
    std::lock_guard lock(m_);
    std::weak_ptr<image_upload> weak = weak_from_this();
    r_->on_send = [weak] {
      if (auto self = weak.lock()) self->answered();
    };
    if (!ctx_.flight->accepting())
      return respond_error(*r_, 503, "The server is shutting down; try again later.");
    const std::string type = head_.header("content-type");
    if (!type.empty() && type.rfind("application/octet-stream", 0) != 0)
      return respond_error(*r_, 415,
                           "Content-Type '" + type +
                               "' is not supported for image data: use application/octet-stream");
    if (declared && *declared > static_cast<std::uint64_t>(ctx_.opts.image_size_cap))
      return respond_error(*r_, 413, over_cap_message());
    std::error_code ec;
    std::filesystem::create_directories(ctx_.opts.image_dir, ec);
    spool_ = ctx_.opts.image_dir / (id_ + "." + r_->request_id() + ".part");
    fd_ = ::open(spool_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      r_->log().error("cannot create {}: {}", spool_.string(), std::strerror(errno));
      spool_.clear();
      return respond_error(*r_, 500, "The image store cannot take data now.");
    }
    begin();
  }

  void body(const char* data, std::size_t size) {
    std::lock_guard lock(m_);
    if (over_) return;
    size_ += size;
    if (size_ > static_cast<std::uint64_t>(ctx_.opts.image_size_cap))
      return fail(413, over_cap_message());
    digest_->update(data, size);
    buffer_.append(data, size);
    if (buffer_.size() >= write_block) flush();
  }

  void body_end() {
    std::lock_guard lock(m_);
    body_done_ = true;
    if (!over_ && begun_) finish();
  }

  void disconnected() {
    std::lock_guard lock(m_);
    if (finishing_ || over_) return;
    r_->log().info("{}: the client went away after {} bytes", r_->request_line(), size_);
    over_ = true;
    r_->drop();
    discard_spool();
    if (begun_) reset("the client disconnected during the upload");
  }

 private:
  std::string over_cap_message() const {
    return "Image exceeds the storage quota: the image size cap is " +
           std::to_string(ctx_.opts.image_size_cap) + " bytes.";
  }

  // Glance stages under modify_image (the stage call has no rule of its own).
  const char* rule() const { return stage_ ? "modify_image" : "upload_image"; }
  image::command start_command() const {
    return stage_ ? image::command{image::start_stage{}} : image::command{image::start_upload{}};
  }
  image::command reset_command(const std::string& reason) const {
    return stage_ ? image::command{image::reset_stage{reason}}
                  : image::command{image::reset_upload{reason}};
  }
  std::filesystem::path final_path() const {
    return stage_ ? staged_file(ctx_.opts.image_dir, id_) : image_file(ctx_.opts.image_dir, id_);
  }
  image::command finish_command(const image_digest::result& sums) const {
    const auto size = static_cast<std::int64_t>(size_);
    if (stage_) return image::finish_stage{size, sums.md5, "sha512", sums.sha512};
    return image::finish_upload{size, sums.md5, "sha512", sums.sha512, std::nullopt};
  }

  // The caller's token, its right to upload to this image, and the image's
  // move to saving (which also refuses a second upload at once).
  void begin() {
    begin_sent_ = true;
    auto self = shared_from_this();
    with_token(ctx_, head_.header("x-auth-token"), r_,
               [self](std::shared_ptr<responder> rr, token_info& t) {
                 with_visible_image(
                     self->ctx_, rr, t, self->id_,
                     [self, t](std::shared_ptr<responder> r3, image_state& s) {
                       if (!enforce(*r3, self->ctx_, t, self->rule(), target{s.owner, ""})) return;
                       if (!image_owned(s, viewer_of(t)))
                         return respond_forbidden(*r3, self->rule());
                       self->user_ = t.user.id;
                       self->ctx_.bridge.ask<image_state>(
                           r3, self->ctx_.image_registry,
                           [self](responder&, image_state&) { self->started(); },
                           command_atom::value, self->id_, self->start_command(),
                           event_metadata{r3->request_id(), t.user.id});
                     });
               });
  }

  void started() {
    std::lock_guard lock(m_);
    begun_ = true;
    if (pending_error_)
      reset_then_answer(pending_error_->first, pending_error_->second);
    else if (over_)
      reset("the upload ended before it could start");
    else if (body_done_)
      finish();
  }

  // Another answer went out (an error): the bytes still coming are
  // dropped, and the spool with them.
  void answered() {
    std::lock_guard lock(m_);
    if (!begun_) begin_failed_ = true;
    if (finishing_) return;
    over_ = true;
    discard_spool();
  }

  // The upload can't go on: the answer goes out once the image is back in
  // queued, so a client that retries at once finds it ready. While the
  // move to saving is still on its way, started() answers.
  void fail(int status, const std::string& message) {
    over_ = true;
    discard_spool();
    if (begun_)
      reset_then_answer(status, message);
    else if (begin_sent_ && !begin_failed_)
      pending_error_ = {status, message};
    else
      respond_error(*r_, status, message);
  }

  void reset_then_answer(int status, const std::string& message) {
    auto answer = [status, message](responder& rr) { respond_error(rr, status, message); };
    ctx_.bridge.ask_or<image_state>(
        r_, ctx_.image_registry, [answer](responder& rr, image_state&) { answer(rr); },
        [answer](responder& rr, const domain_error&) { answer(rr); }, command_atom::value, id_,
        reset_command(message), event_metadata{r_->request_id(), user_});
  }

  // Back to queued: nothing of this upload stays.
  void reset(const std::string& reason) {
    caf::anon_send(ctx_.image_registry, command_atom::value, id_, reset_command(reason),
                   event_metadata{r_->request_id(), user_});
  }

  bool flush() {
    std::size_t done = 0;
    // The image-store-full fault (serve --faults) is a write that fails as
    // on a full disk: the same path, the same 413, nothing half-written.
    const bool injected_full = ctx_.opts.faults && ctx_.opts.faults->image_store_full();
    while (done < buffer_.size() || injected_full) {
      const ssize_t n =
          injected_full ? -1 : ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && !injected_full && errno == EINTR) continue;
      if (n < 0) {
        const int err = injected_full ? ENOSPC : errno;
        r_->log().error("writing {}: {}", spool_.string(), std::strerror(err));
        fail(err == ENOSPC || err == EDQUOT ? 413 : 500,
             err == ENOSPC || err == EDQUOT
                 ? "Image storage media is full: there is not enough disk space left for "
                   "this image."
                 : "The image data could not be written.");
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return true;
  }

  // The last bytes, fsync and rename off the reactor thread, then active.
  void finish() {
    if (!flush()) return;
    finishing_ = true;
    auto self = shared_from_this();
    std::thread([self] { self->commit(); }).detach();
  }

  void commit() {
    std::unique_lock lock(m_);
    const auto final_path = this->final_path();
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      finishing_ = false;
      return fail(500, "The image data could not be stored.");
    }
    fd_ = -1;
    std::error_code ec;
    std::filesystem::rename(spool_, final_path, ec);
    if (ec) {
      finishing_ = false;
      return fail(500, "The image data could not be stored.");
    }
    spool_.clear();
    image::command done = finish_command(digest_->finish());
    lock.unlock();
    auto self = shared_from_this();
    ctx_.bridge.ask_or<image_state>(
        r_, ctx_.image_registry, [self](responder& rr, image_state&) { respond(rr, 204, no_body); },
        [self, final_path](responder& rr, const domain_error& e) {
          // Deleted while its bytes came in: they belong to nothing now.
          std::error_code rm;
          std::filesystem::remove(final_path, rm);
          respond_error(rr, e);
        },
        command_atom::value, id_, std::move(done), event_metadata{r_->request_id(), user_});
  }

  void discard_spool() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!spool_.empty()) {
      std::error_code ec;
      std::filesystem::remove(spool_, ec);
      spool_.clear();
    }
  }

  server_context& ctx_;
  request_head head_;
  std::string id_;
  bool stage_;  // the staging area (glance-direct), not the image's data
  std::shared_ptr<upload_turn> turn_ = std::make_shared<upload_turn>();
  std::shared_ptr<raw_responder> r_;
  std::unique_ptr<image_digest> digest_;
  std::recursive_mutex m_;
  std::filesystem::path spool_;
  int fd_ = -1;
  std::string buffer_;
  std::uint64_t size_ = 0;
  std::string user_;
  bool begun_ = false;         // the image is saving for this upload
  bool body_done_ = false;     // every byte arrived
  bool finishing_ = false;     // the file is being made the image's
  bool over_ = false;          // answered or abandoned: bytes still coming are dropped
  bool begin_sent_ = false;    // the move to saving was asked for
  bool begin_failed_ = false;  // ... and refused (already answered)
  std::optional<std::pair<int, std::string>> pending_error_;
};

// "/image/v2/images/<uuid>/file" or ".../stage" -> the id and which.
std::optional<upload_request> upload_target(const request_head& h) {
  if (h.method != "PUT") return std::nullopt;
  static const std::string prefix = "/image/v2/images/";
  std::string path = h.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.rfind(prefix, 0) != 0) return std::nullopt;
  for (auto [suffix, kind] : {std::pair{std::string("/file"), put_target::data},
                              std::pair{std::string("/stage"), put_target::stage}}) {
    if (path.size() <= prefix.size() + suffix.size() ||
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (!image_id_shaped(id)) return std::nullopt;
    return upload_request{std::move(id), kind};
  }
  return std::nullopt;
}

// What a connection is in the middle of.
struct connection_state {
  std::string head;                       // a request head being gathered
  bool refused = false;                   // answered 4xx and closing: input is dropped
  std::string path_hint;                  // the last request's path, for an error's format
  std::optional<body_framing> forwarded;  // the body of a request Pistache parses
  bool forward_all = false;               // framing given up: Pistache has the rest
  std::optional<body_framing> upload_body;
  std::shared_ptr<image_upload> upload;
  std::shared_ptr<upload_turn> pending_turn;  // the last upload's, until it is answered
};

class upload_handler final : public Rest::Private::RouterHandler {
 public:
  HTTP_PROTOTYPE(upload_handler)

  upload_handler(const Rest::Router& router, server_context& ctx)
      : RouterHandler(router),
        ctx_(&ctx),
        guard_(std::make_shared<connection_guard>(connection_guard::limits{
            ctx.opts.max_client_connections, ctx.opts.request_timeout, ctx.opts.idle_timeout})) {}

  // Replaces Http::Handler's (private there), which only gives the peer its
  // request parser: the same here, then the connection guard's count.
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    peer->putData(ParserData, std::make_shared<Http::RequestParser>(getMaxRequestSize()));
    const std::string client = peer->address().host();
    if (!guard_->opened(peer.get(), peer->fd(), client, connection_guard::clock::now())) {
      spdlog::warn("http: {} is over its {} connections; closing a new one", client,
                   ctx_->opts.max_client_connections);
      ::shutdown(peer->fd(), SHUT_RDWR);
    }
  }

  void onInput(const char* data, size_t size, const std::shared_ptr<Tcp::Peer>& peer) override {
    auto st = state_of(peer);
    frame(st, data, size, peer);
    guard_->active(peer.get(), !st->head.empty() || st->upload_body || st->forwarded,
                   connection_guard::clock::now());
  }

  void frame(const std::shared_ptr<connection_state>& st, const char* data, size_t size,
             const std::shared_ptr<Tcp::Peer>& peer) {
    while (size > 0) {
      if (st->refused) return;
      if (st->forward_all) return parse(data, size, peer);
      if (st->upload_body) {
        auto& up = st->upload;
        const std::size_t used = st->upload_body->feed(
            data, size, [&](const char* p, std::size_t n) { up->body(p, n); });
        data += used;
        size -= used;
        if (st->upload_body->failed()) {
          // A broken chunk: the rest of the connection can't be framed.
          up->disconnected();
          st->upload.reset();
          st->upload_body.reset();
          ::shutdown(peer->fd(), SHUT_RDWR);
          return;
        }
        if (st->upload_body->done()) {
          up->body_end();
          st->pending_turn = up->turn();
          st->upload.reset();
          st->upload_body.reset();
        }
        continue;
      }
      if (st->pending_turn) {
        std::lock_guard lock(st->pending_turn->m);
        if (!st->pending_turn->answered) {
          st->pending_turn->close_after = true;
          st->refused = true;  // what follows is dropped; the connection closes
          return;
        }
      }
      st->pending_turn.reset();
      if (st->forwarded) {
        const std::size_t used = st->forwarded->feed(data, size, [](const char*, std::size_t) {});
        parse(data, used, peer);
        data += used;
        size -= used;
        if (st->forwarded->done()) st->forwarded.reset();
        continue;
      }
      // Gathering a head: at most up to its end, the rest is its body.
      const std::size_t before = st->head.size();
      st->head.append(data, size);
      const std::size_t end = head_end(st->head, before);
      if (end == std::string::npos) {
        if (st->head.size() > ctx_->opts.max_header_bytes)
          refuse(*st, peer, 431, "The request's header fields are larger than " +
                                     std::to_string(ctx_->opts.max_header_bytes) + " bytes.");
        return;
      }
      if (end > ctx_->opts.max_header_bytes)
        return refuse(*st, peer, 431, "The request's header fields are larger than " +
                                          std::to_string(ctx_->opts.max_header_bytes) + " bytes.");
      const std::size_t used = end - before;
      data += used;
      size -= used;
      st->head.resize(end);
      start_request(*st, peer);
    }
  }

  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    guard_->closed(peer.get());
    if (auto st = std::static_pointer_cast<connection_state>(peer->tryGetData(state_key)))
      if (st->upload) st->upload->disconnected();
    RouterHandler::onDisconnection(peer);
  }

 private:
  static constexpr const char* state_key = "cumulo.connection";

  static std::shared_ptr<connection_state> state_of(const std::shared_ptr<Tcp::Peer>& peer) {
    auto data = peer->tryGetData(state_key);
    if (!data) {
      data = std::make_shared<connection_state>();
      peer->putData(state_key, data);
    }
    return std::static_pointer_cast<connection_state>(data);
  }

  // A request we cannot frame is answered here, before Pistache's parser
  // could read it differently, and the connection is closed once the
  // answer is out: what follows on it cannot be told apart from the body.
  void refuse(connection_state& st, const std::shared_ptr<Tcp::Peer>& peer, int status,
              const std::string& message) {
    st.refused = true;
    st.head.clear();
    const auto svc = service_of_path(st.path_hint);
    const std::string body = error_body(svc, status, message).dump();
    const std::string request_id = new_request_id();
    spdlog::info("[{}] malformed request -> {} {}", request_id, status, message);
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + status_title(status) + "\r\n";
    out += "X-OpenStack-Request-Id: " + request_id + "\r\n";
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
    std::weak_ptr<Tcp::Peer> weak = peer;
    // The write side only: the client reads the answer, then closes (a
    // full shutdown with its bytes unread could reset the answer away).
    auto close = [weak](ssize_t) {
      if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR);
    };
    peer->send(RawBuffer(std::move(out), out.size())).then(close, Async::IgnoreException);
  }

  void start_request(connection_state& st, const std::shared_ptr<Tcp::Peer>& peer) {
    std::string head = std::move(st.head);
    st.head.clear();
    auto why = parse_request_head_why(head);
    auto& parsed = why.head;
    if (parsed) st.path_hint = parsed->path;
    if (!parsed) return refuse(st, peer, 400, std::string("Malformed request: ") + why.why);
    auto framing = body_framing::of(*parsed);
    if (!framing)
      return refuse(st, peer, 400,
                    "Malformed request: the Content-Length must be a decimal number of bytes, "
                    "given once, and not with a Transfer-Encoding other than chunked alone.");
    auto wanted = upload_target(*parsed);
    if (!wanted) {
      // Pistache's request: its parser sees the bytes as they came, but
      // for header lines that say nothing, and with the raw query in a
      // header of ours (Pistache keeps one value of a repeated key).
      head = head_for_pistache(head, parsed->target);
      if (framing && !framing->is_chunked())
        st.forwarded = framing;
      else
        st.forward_all = true;
      parse(head.data(), head.size(), peer);
      if (st.forwarded && st.forwarded->done()) st.forwarded.reset();
      return;
    }
    if (parsed->header("expect") == "100-continue")
      peer->send(RawBuffer(std::string("HTTP/1.1 100 Continue\r\n\r\n"), 25));
    st.upload = std::make_shared<image_upload>(*ctx_, *parsed, std::move(*wanted), peer);
    st.upload_body = framing;
    st.upload->start(framing->declared_length());
    if (st.upload_body->done()) {
      st.upload->body_end();
      st.pending_turn = st.upload->turn();
      st.upload.reset();
      st.upload_body.reset();
    }
  }

  // Pistache's own Http::Handler::onInput (private there), fed only the
  // bytes of requests it handles.
  void parse(const char* data, size_t size, const std::shared_ptr<Tcp::Peer>& peer) {
    if (size == 0) return;
    auto parser = getParser(peer);
    auto& request = parser->request;
    try {
      if (!parser->feed(data, size)) {
        parser->reset();
        throw Http::HttpError(Http::Code::Request_Entity_Too_Large,
                              "Request exceeded maximum buffer size");
      }
      if (parser->parse() == Http::Private::State::Done) {
        Http::ResponseWriter response(request.version(), transport(), this, peer);
        request.copyAddress(peer->address());
        auto connection = request.headers().tryGet<Http::Header::Connection>();
        response.headers().add<Http::Header::Connection>(
            connection ? connection->control() : Http::ConnectionControl::Close);
        peer->setIdle(false);
        onRequest(request, std::move(response));
        parser->reset();
      }
    } catch (const Http::HttpError& err) {
      Http::ResponseWriter response(request.version(), transport(), this, peer);
      response.send(static_cast<Http::Code>(err.code()), err.reason());
      parser->reset();
    } catch (const std::exception& e) {
      Http::ResponseWriter response(request.version(), transport(), this, peer);
      response.send(Http::Code::Internal_Server_Error, e.what());
      parser->reset();
    }
  }

  server_context* ctx_;
  // Shared by the handler's clones (one per reactor thread).
  std::shared_ptr<connection_guard> guard_;
};

}  // namespace

std::shared_ptr<Http::Handler> make_upload_handler(const Rest::Router& router,
                                                   server_context& ctx) {
  return std::make_shared<upload_handler>(router, ctx);
}

}  // namespace cumulo::api
