#include <csignal>
#include <exception>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "base/allocator.h"
#include "sim/sim_server.h"

namespace rigor {

int sim_main(const SimOptions& options, const std::string& profiles_path, std::ostream& out, std::ostream& err) {
  keep_freed_memory();
  std::map<std::string, SimProfile> profiles;
  std::shared_ptr<const SimIndex> index;
  try {
    profiles = load_sim_profiles(profiles_path);
    index = std::make_shared<const SimIndex>(options.gpqa_csv.empty() ? bundled_sim_index()
                                                                      : sim_index_with_gpqa(options.gpqa_csv));
  } catch (const std::exception& e) {
    err << "rigor sim: " << e.what() << std::endl;
    return 2;
  }

  // Signals are hooked before the port is announced, so a parent that kills
  // us as soon as it reads the line is always heard.
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});

  SimServer server(options, std::move(profiles), index);
  int port = 0;
  try {
    port = server.start();
  } catch (const std::exception& e) {
    err << e.what() << std::endl;
    return 2;
  }
  out << "rigor-sim listening on " << options.host << ":" << port << std::endl;
  signals_ioc.run();  // returns once the signal handler ran
  server.stop();
  SimStats s = server.stats();
  err << "rigor-sim: stopped after " << s.requests << " requests (" << s.completed << " completed, " << s.faults
      << " faulted)" << std::endl;
  return 0;
}

int sim_main(const SimOptions& options, const std::string& profiles_path) {
  return sim_main(options, profiles_path, std::cout, std::cerr);
}

}  // namespace rigor
