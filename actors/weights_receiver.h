// actors/weights_receiver.h — the subscriber side of weight broadcasts: a SUB socket for new
// versions plus a DEALER that asks the learner for its current version: once on Open (a late
// joiner misses earlier PUB messages), and again on RequestLatest (the evaluator taking the
// learner's final weights, docs/runtime.md). Used by the actor and evaluator processes. Owned by
// one thread; not thread-safe. Drain never blocks.
#pragma once

#include <memory>
#include <zmq.hpp>

#include "core/messages.h"
#include "core/role_context.h"
#include "core/status.h"
#include "core/transport.h"

namespace slaterl {

class WeightsReceiver {
 public:
  // Connects both sockets and asks the learner for its current weights.
  Status Open(zmq::context_t& zmq_context, const RoleContext& ctx, const Hello& hello) {
    SocketOptions sub_options;
    sub_options.subscribe = {""};
    sub_options.receive_hwm = 4;  // only the newest versions matter
    ASSIGN_OR_RETURN(sub_, OpenSocket(zmq_context, zmq::socket_type::sub, ctx.endpoints.weights_pub,
                                      /*bind=*/false, ctx.Client(sub_options)));
    ASSIGN_OR_RETURN(request_, OpenSocket(zmq_context, zmq::socket_type::dealer,
                                          ctx.endpoints.weights_request, /*bind=*/false, ctx.Client()));
    hello_ = hello;
    return RequestLatest();
  }
  // Asks the learner for its latest published version; the reply arrives through Drain.
  Status RequestLatest() { return SendMessage(*request_, hello_); }
  // Decodes every waiting Weights message; keeps the newest in *latest. Returns true if any came.
  bool Drain(Weights* latest, DropCounter* drops) {
    bool any = false;
    for (zmq::socket_t* socket : {sub_.get(), request_.get()}) {
      RawMessage raw;
      while (true) {
        auto got = ReceiveMessage(*socket, /*is_router=*/false, &raw);
        if (!got.ok() || !*got) break;
        Weights weights;
        Status status = raw.Decode(&weights);
        if (!status.ok()) {
          drops->Drop("bad weights message", status);
          continue;
        }
        if (weights.version > latest->version) {
          *latest = std::move(weights);
          any = true;
        }
      }
    }
    return any;
  }
  zmq::socket_t* sub() { return sub_.get(); }
  zmq::socket_t* request() { return request_.get(); }

 private:
  std::unique_ptr<zmq::socket_t> sub_, request_;
  Hello hello_;
};

}  // namespace slaterl
