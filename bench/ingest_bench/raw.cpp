// Raw ZeroMQ: PUSH→PULL over TCP loopback with the departments' messages, the floor the
// ingest's throughput is compared with.
#include "ingest_bench.hpp"
#include "loopback.hpp"

namespace citywall::bench {

// `senders` PUSH sockets (one thread each) → `senders` PULL sockets polled by one thread, the
// ingest's own shape (1 → 1 is the plain pipe). Each sender sends `total / senders` messages.
RawResult raw_zeromq(const std::vector<LonLat>& points, int senders, int total,
                     const BenchKeys* keys) {
    zmq::context_t server_context{1}, client_context{1};
    std::vector<zmq::socket_t> pulls;
    std::vector<std::string> endpoints;
    for (int s = 0; s < senders; ++s) {
        pulls.emplace_back(server_context, zmq::socket_type::pull);
        pulls.back().set(zmq::sockopt::rcvhwm, 100000);
        if (keys) {
            pulls.back().set(zmq::sockopt::curve_server, 1);
            pulls.back().set(zmq::sockopt::curve_secretkey, keys->ingest.secret_key);
        }
        endpoints.push_back(testing::loopback_endpoint());
        pulls.back().bind(endpoints.back());
    }
    const int each = total / senders;
    const std::uint64_t expected = static_cast<std::uint64_t>(each) * senders;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
        threads.emplace_back([&, s] {
            zmq::socket_t push(client_context, zmq::socket_type::push);
            if (keys) {
                push.set(zmq::sockopt::curve_serverkey, keys->ingest.public_key);
                push.set(zmq::sockopt::curve_publickey, keys->departments[s].public_key);
                push.set(zmq::sockopt::curve_secretkey, keys->departments[s].secret_key);
            }
            push.set(zmq::sockopt::linger, 1000);
            push.connect(endpoints[s]);
            while (!go.load())
                std::this_thread::sleep_for(1ms);
            for (int k = 0; k < each; ++k) {
                auto body = report(s, static_cast<std::uint64_t>(k),
                                   points[(static_cast<std::size_t>(k) * 16 + s) % points.size()],
                                   steady_ns());
                push.send(zmq::buffer(body), zmq::send_flags::none);
            }
        });
    }
    std::vector<zmq::pollitem_t> items;
    for (auto& p : pulls)
        items.push_back({p.handle(), 0, ZMQ_POLLIN, 0});
    std::this_thread::sleep_for(200ms);
    const auto start = Clock::now();
    go.store(true);
    std::uint64_t received = 0;
    auto last = start;
    while (received < expected && seconds_since(last) < 5.0) {
        zmq::poll(items.data(), items.size(), 100ms);
        for (std::size_t s = 0; s < pulls.size(); ++s) {
            if (!(items[s].revents & ZMQ_POLLIN)) continue;
            zmq::message_t message;
            for (int n = 0; n < 1000; ++n) {
                if (!pulls[s].recv(message, zmq::recv_flags::dontwait)) break;
                ++received;
                last = Clock::now();
            }
        }
    }
    const double seconds = std::chrono::duration<double>(last - start).count();
    for (auto& t : threads)
        t.join();
    return {std::to_string(senders) + " PUSH → " + std::to_string(senders) + " PULL" +
                (keys ? ", CURVE" : ""),
            received, seconds};
}

}  // namespace citywall::bench
