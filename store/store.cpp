#include "store/store.h"

#include <fmt/format.h>

#include "store/store_backend.h"

namespace rigor {

bool is_postgres_url(const std::string& location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string sample_key(const std::string& model, const std::string& suite, const std::string& problem_id,
                       int sample_idx) {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}", model, suite, problem_id, sample_idx);
}

int parse_schema_version(const std::string& stored) {
  try {
    size_t used = 0;
    const int n = std::stoi(stored, &used);
    if (used == stored.size() && n >= 1) return n;
  } catch (const std::exception&) {
  }
  throw std::runtime_error(fmt::format("schema version \"{}\" is not a version", stored));
}

void require_readable_schema(int version, int current) {
  if (version == 0) throw std::runtime_error("not a rigor database (it records no schema version)");
  if (version != current) {
    throw std::runtime_error(
        fmt::format("schema version {}, this rigor reads {} (a read-write command such as rigor run migrates it)",
                    version, current));
  }
}

void refuse_newer_schema(int version, int current) {
  if (version > current) {
    throw std::runtime_error(
        fmt::format("database has schema version {}, newer than this rigor's {}", version, current));
  }
}

namespace {

[[noreturn]] void no_queue() {
  throw StoreOpenError(
      "the work queue (rigor run --worker, --status) needs a PostgreSQL store: --db postgresql://user@host/dbname. "
      "A SQLite file serves one rigor process per run");
}

}  // namespace

int StoreBackend::plan_work(const std::string&, const std::vector<WorkKey>&) { no_queue(); }
std::vector<WorkKey> StoreBackend::claim_work(const std::string&, const std::string&, const std::string&, int,
                                              double) {
  no_queue();
}
void StoreBackend::complete_work(const std::vector<SampleRecord>&, const std::string&) { no_queue(); }
void StoreBackend::release_work(const std::string&, const std::string&) { no_queue(); }
std::vector<std::string> StoreBackend::worker_heartbeat(const std::string&, const WorkerRecord&, double, double) {
  no_queue();
}
void StoreBackend::remove_worker(const std::string&, const std::string&) { no_queue(); }
WorkStatus StoreBackend::work_status(const std::string&) { no_queue(); }

Store::Store(const std::string& location, StoreMode mode)
    : path_(location),
      impl_(is_postgres_url(location) ? open_postgres_store(location, mode) : open_sqlite_store(location, mode)) {}

Store::~Store() = default;

bool Store::postgres() const { return is_postgres_url(path_); }

void Store::put_run(const RunRecord& run) { impl_->put_run(run); }
std::optional<RunRecord> Store::get_run(const std::string& id) { return impl_->get_run(id); }
std::vector<RunRecord> Store::list_runs() { return impl_->list_runs(); }
void Store::finish_run(const std::string& id, const std::string& at) { impl_->finish_run(id, at); }

void Store::put_run_model(const RunModelRecord& m) { impl_->put_run_model(m); }
void Store::add_run_model_wall(const std::string& run_id, const std::string& model, double wall_s) {
  impl_->add_run_model_wall(run_id, model, wall_s);
}
std::vector<RunModelRecord> Store::run_models(const std::string& run_id) { return impl_->run_models(run_id); }

void Store::put_sample(const SampleRecord& s) { impl_->put_samples({s}); }
void Store::put_samples(const std::vector<SampleRecord>& batch) {
  if (!batch.empty()) impl_->put_samples(batch);
}
std::vector<SampleRecord> Store::samples(const std::string& run_id) { return impl_->samples(run_id); }
std::vector<std::string> Store::finished_keys(const std::string& run_id) { return impl_->finished_keys(run_id); }

std::optional<RunLeaseRecord> Store::take_lease(const RunLeaseRecord& mine, double stale_after_s,
                                                const std::optional<RunLeaseRecord>& expected) {
  return impl_->take_lease(mine, stale_after_s, expected);
}
RunSpend Store::run_spend(const std::string& run_id) { return impl_->run_spend(run_id); }
bool Store::renew_lease(const RunLeaseRecord& mine, double now) { return impl_->renew_lease(mine, now); }
void Store::release_lease(const RunLeaseRecord& mine) { impl_->release_lease(mine); }

void Store::put_verify(const VerifyRecord& v) { impl_->put_verify(v); }
std::optional<VerifyRecord> Store::get_verify(const std::string& id) { return impl_->get_verify(id); }
std::vector<VerifyRecord> Store::list_verifies() { return impl_->list_verifies(); }
void Store::put_verify_request(const VerifyRequestRecord& r) { impl_->put_verify_request(r); }
std::vector<VerifyRequestRecord> Store::verify_requests(const std::string& verify_id) {
  return impl_->verify_requests(verify_id);
}

bool Store::has_work_queue() const { return impl_->has_work_queue(); }
int Store::plan_work(const std::string& run_id, const std::vector<WorkKey>& keys) {
  return impl_->plan_work(run_id, keys);
}
std::vector<WorkKey> Store::claim_work(const std::string& run_id, const std::string& model, const std::string& worker,
                                       int max, double lease_s) {
  return impl_->claim_work(run_id, model, worker, max, lease_s);
}
void Store::complete_work(const std::vector<SampleRecord>& batch, const std::string& worker) {
  if (!batch.empty()) impl_->complete_work(batch, worker);
}
void Store::release_work(const std::string& run_id, const std::string& worker) {
  impl_->release_work(run_id, worker);
}
std::vector<std::string> Store::worker_heartbeat(const std::string& run_id, const WorkerRecord& worker,
                                                 double lease_s, double stale_after_s) {
  return impl_->worker_heartbeat(run_id, worker, lease_s, stale_after_s);
}
void Store::remove_worker(const std::string& run_id, const std::string& worker) {
  impl_->remove_worker(run_id, worker);
}
WorkStatus Store::work_status(const std::string& run_id) { return impl_->work_status(run_id); }

}  // namespace rigor
