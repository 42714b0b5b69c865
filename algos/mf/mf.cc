// BPR matrix factorisation (contract in algos/mf/mf.h).
#include "algos/mf/mf.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <utility>

#include "core/rng.h"

namespace slaterl {
namespace {

// ---- TRY NOT TO MODIFY: streams and data plumbing -------------------------------------------------

// Stream ids under DeriveSeed(options.seed, {...}).
enum MfStream : uint64_t {
  kStreamUserInit = 1,
  kStreamItemInit = 2,
  kStreamShuffle = 3,
  kStreamNegatives = 4,
  kStreamValidation = 5,  // gems_repro: validation shuffles and negatives
  kStreamFoldIn = 6,      // clean: fold-in negatives (re-seeded at every evaluation)
  kStreamHeldOut = 7,     // clean: the held-out negatives, drawn once
};

// The BPR smoothing constant of GeMS's bpr_loss.
constexpr double kBprEps = 1e-7;

// (user row, item) pairs.
struct Pairs {
  std::vector<int64_t> users;
  std::vector<int64_t> items;
  size_t size() const { return users.size(); }
  void Add(int64_t u, int64_t i) {
    users.push_back(u);
    items.push_back(i);
  }
};

// Adds the clicked (row, item) pairs of trajectory `traj` at steps [t0, t1).
void AddClicks(const LoggedDataset& data, int64_t traj, int64_t row, int t0, int t1, Pairs* out) {
  const int k = data.slate_size();
  const int32_t* items = data.trajectory_items(traj);
  const uint8_t* clicks = data.trajectory_clicks(traj);
  for (int s = t0 * k; s < t1 * k; ++s)
    if (clicks[s]) out->Add(row, items[s]);
}

torch::Tensor XavierUniform(int64_t rows, int64_t cols, uint64_t seed) {
  // torch.nn.init.xavier_uniform_ on a (rows, cols) weight: fan_in = cols, fan_out = rows.
  const double bound = std::sqrt(6.0 / static_cast<double>(rows + cols));
  Rng rng(seed);
  torch::Tensor t = torch::empty({rows, cols}, torch::kFloat32);
  float* p = t.data_ptr<float>();
  for (int64_t e = 0; e < rows * cols; ++e) p[e] = static_cast<float>(rng.Uniform(-bound, bound));
  return t;
}

torch::Tensor IndexTensor(const int64_t* data, int64_t n) {
  return torch::from_blob(const_cast<int64_t*>(data), {n}, torch::kInt64);
}

// Uniform negatives over [0, num_items).
void DrawNegatives(Rng& rng, int32_t num_items, size_t n, std::vector<int64_t>* out) {
  out->resize(n);
  for (size_t e = 0; e < n; ++e) (*out)[e] = rng.UniformInt(static_cast<uint32_t>(num_items));
}

// ---- ALGO LOGIC: the BPR loss ----------------------------------------------------------------------

// mean −log(σ(s_ui − s_uj) + 1e-7) with s_ui = ⟨P_u, Q_i⟩ (docs/algorithms.md §1.6).
torch::Tensor BprLoss(const torch::Tensor& users, const torch::Tensor& items,
                      const torch::Tensor& u, const torch::Tensor& i, const torch::Tensor& j) {
  const torch::Tensor pu = users.index_select(0, u);
  const torch::Tensor positive = (pu * items.index_select(0, i)).sum(1);
  const torch::Tensor negative = (pu * items.index_select(0, j)).sum(1);
  return -torch::log(torch::sigmoid(positive - negative) + kBprEps).mean();
}

class MfTrainer {
 public:
  MfTrainer(const LoggedDataset& data, const MfOptions& options) : data_(data), o_(options) {}

  Result<MfResult> Run() {
    const auto start = std::chrono::steady_clock::now();
    const bool repro = o_.preset == MfPreset::kGemsRepro;
    const int64_t n = data_.num_trajectories();
    const int64_t n_val = static_cast<int64_t>(std::floor(static_cast<double>(n) * o_.validation_fraction));
    const int64_t n_train = n - n_val;
    const int horizon = data_.steps_per_trajectory();

    // Training users: trajectories n_val … n−1 → rows 0 … n_train−1 (both presets).
    for (int64_t v = 0; v < n_train; ++v) AddClicks(data_, n_val + v, v, 0, horizon, &train_);
    if (repro) {
      // Validation trajectory v → row v, the row of training trajectory v (GeMS re-indexing).
      for (int64_t v = 0; v < n_val; ++v) AddClicks(data_, v, v, 0, horizon, &val_);
    } else {
      for (int64_t v = 0; v < n_val; ++v) {
        AddClicks(data_, v, v, 0, horizon / 2, &fold_in_);
        AddClicks(data_, v, v, horizon / 2, horizon, &held_out_);
      }
    }
    MfResult result;
    result.num_items = data_.num_items();
    result.dim = o_.dim;
    result.train_trajectories = n_train;
    result.validation_trajectories = n_val;
    result.train_positives = static_cast<int64_t>(train_.size());
    result.validation_positives = static_cast<int64_t>(repro ? val_.size() : fold_in_.size() + held_out_.size());
    if (train_.size() == 0)
      return InvalidArgumentError("MF: no clicked item among the " + std::to_string(n_train) +
                                  " training trajectories");
    if (repro ? val_.size() == 0 : held_out_.size() == 0)
      return InvalidArgumentError("MF: no clicked item among the " + std::to_string(n_val) +
                                  " validation trajectories (validation_fraction " +
                                  std::to_string(o_.validation_fraction) + " of " +
                                  std::to_string(n) + ")");

    // GeMS sizes the user table by every trajectory; clean by the training users.
    users_ = XavierUniform(repro ? n : n_train, o_.dim, DeriveSeed(o_.seed, {kStreamUserInit}));
    items_ = XavierUniform(data_.num_items(), o_.dim, DeriveSeed(o_.seed, {kStreamItemInit}));
    users_.set_requires_grad(true);
    items_.set_requires_grad(true);
    torch::optim::Adam optimizer({users_, items_}, torch::optim::AdamOptions(o_.lr));
    if (!repro) {
      Rng held_out_rng(DeriveSeed(o_.seed, {kStreamHeldOut}));
      DrawNegatives(held_out_rng, data_.num_items(), held_out_.size(), &held_out_negatives_);
    }

    Rng shuffle_rng(DeriveSeed(o_.seed, {kStreamShuffle}));
    Rng negative_rng(DeriveSeed(o_.seed, {kStreamNegatives}));
    validation_rng_.Seed(DeriveSeed(o_.seed, {kStreamValidation}));
    std::vector<int64_t> order(train_.size());
    std::vector<int64_t> bu, bi, bj;
    const int64_t batches_per_epoch =
        (static_cast<int64_t>(train_.size()) + o_.batch_size - 1) / o_.batch_size;
    double best = std::numeric_limits<double>::infinity();
    int non_improving = 0;
    double train_loss_sum = 0.0;
    int64_t train_loss_count = 0;
    int64_t batches = 0;
    torch::Tensor best_items = items_.detach().clone();
    bool stop = false;

    for (int64_t epoch = 0; !stop; ++epoch) {
      if (o_.max_epochs > 0 && epoch >= o_.max_epochs) {
        result.stop_reason = "max_epochs";
        break;
      }
      std::iota(order.begin(), order.end(), 0);
      for (size_t e = order.size(); e > 1; --e)  // Fisher–Yates
        std::swap(order[e - 1], order[shuffle_rng.UniformInt(static_cast<uint32_t>(e))]);
      for (int64_t b = 0; b < batches_per_epoch; ++b) {
        const bool evaluate = repro ? b % o_.eval_interval_batches == 0
                                    : batches % o_.eval_interval_batches == 0;
        if (evaluate) {
          ASSIGN_OR_RETURN(const double loss, repro ? ValidateRepro(optimizer) : ValidateClean());
          MfEvaluation ev;
          ev.batches = batches;
          ev.epochs = static_cast<double>(batches) / static_cast<double>(batches_per_epoch);
          ev.train_loss = train_loss_count > 0 ? train_loss_sum / static_cast<double>(train_loss_count)
                                               : std::numeric_limits<double>::quiet_NaN();
          ev.validation_loss = loss;
          ev.improved = loss < best;
          if (ev.improved) {
            best = loss;
            best_items = items_.detach().clone();
            result.best_batches = batches;
            non_improving = 0;
          } else {
            ++non_improving;
          }
          ev.non_improving = non_improving;
          ev.seconds = Seconds(start);
          if (result.history.empty()) result.initial_validation_loss = loss;
          result.history.push_back(ev);
          if (o_.on_evaluation) o_.on_evaluation(ev);
          train_loss_sum = 0.0;
          train_loss_count = 0;
          if (non_improving >= o_.patience) {
            result.stop_reason = "patience";
            stop = true;
            break;
          }
        }
        // One training batch.
        const int64_t begin = b * o_.batch_size;
        const int64_t end = std::min<int64_t>(begin + o_.batch_size, static_cast<int64_t>(order.size()));
        bu.resize(static_cast<size_t>(end - begin));
        bi.resize(bu.size());
        for (int64_t e = begin; e < end; ++e) {
          bu[static_cast<size_t>(e - begin)] = train_.users[static_cast<size_t>(order[static_cast<size_t>(e)])];
          bi[static_cast<size_t>(e - begin)] = train_.items[static_cast<size_t>(order[static_cast<size_t>(e)])];
        }
        DrawNegatives(negative_rng, data_.num_items(), bu.size(), &bj);
        const int64_t m = static_cast<int64_t>(bu.size());
        torch::Tensor loss = BprLoss(users_, items_, IndexTensor(bu.data(), m),
                                     IndexTensor(bi.data(), m), IndexTensor(bj.data(), m));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        const double value = loss.item<double>();
        if (!std::isfinite(value))
          return InternalError("MF: non-finite training loss at batch " + std::to_string(batches));
        train_loss_sum += value;
        ++train_loss_count;
        ++batches;
      }
    }

    result.batches = batches;
    result.epochs = static_cast<double>(batches) / static_cast<double>(batches_per_epoch);
    result.evaluations = static_cast<int64_t>(result.history.size());
    result.best_validation_loss = best;
    result.item_embeddings = ToVector(best_items);
    result.final_item_embeddings = ToVector(items_.detach());
    result.seconds = Seconds(start);
    return result;
  }

 private:
  static std::vector<float> ToVector(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }

  static double Seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // gems_repro (docs/algorithms.md register entry 19): the training forward on shuffled validation
  // batches with fresh negatives; every batch steps `optimizer`. Returns the mean batch loss.
  Result<double> ValidateRepro(torch::optim::Adam& optimizer) {
    std::vector<int64_t> order(val_.size());
    std::iota(order.begin(), order.end(), 0);
    for (size_t e = order.size(); e > 1; --e)
      std::swap(order[e - 1], order[validation_rng_.UniformInt(static_cast<uint32_t>(e))]);
    std::vector<int64_t> bu, bi, bj;
    double sum = 0.0;
    int64_t count = 0;
    for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(o_.batch_size)) {
      const size_t end = std::min(begin + static_cast<size_t>(o_.batch_size), order.size());
      bu.resize(end - begin);
      bi.resize(end - begin);
      for (size_t e = begin; e < end; ++e) {
        bu[e - begin] = val_.users[static_cast<size_t>(order[e])];
        bi[e - begin] = val_.items[static_cast<size_t>(order[e])];
      }
      DrawNegatives(validation_rng_, data_.num_items(), bu.size(), &bj);
      const int64_t m = static_cast<int64_t>(bu.size());
      torch::Tensor loss = BprLoss(users_, items_, IndexTensor(bu.data(), m),
                                   IndexTensor(bi.data(), m), IndexTensor(bj.data(), m));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();  // the faithful quirk
      sum += loss.item<double>();
      ++count;
    }
    if (!std::isfinite(sum)) return InternalError("MF: non-finite validation loss");
    return sum / static_cast<double>(count);
  }

  // clean: fold in the validation users with Q frozen, then the held-out loss. Touches neither
  // the training tables nor their optimiser.
  Result<double> ValidateClean() {
    const int64_t n_val = static_cast<int64_t>(
        std::floor(static_cast<double>(data_.num_trajectories()) * o_.validation_fraction));
    const torch::Tensor q = items_.detach();
    torch::Tensor p = torch::zeros({n_val, o_.dim}, torch::kFloat32).set_requires_grad(true);
    if (fold_in_.size() > 0) {
      torch::optim::Adam fold_in({p}, torch::optim::AdamOptions(o_.fold_in_lr));
      Rng rng(DeriveSeed(o_.seed, {kStreamFoldIn}));
      std::vector<int64_t> negatives;
      const int64_t m = static_cast<int64_t>(fold_in_.size());
      const torch::Tensor u = IndexTensor(fold_in_.users.data(), m);
      const torch::Tensor i = IndexTensor(fold_in_.items.data(), m);
      for (int step = 0; step < o_.fold_in_steps; ++step) {
        DrawNegatives(rng, data_.num_items(), fold_in_.size(), &negatives);
        torch::Tensor loss = BprLoss(p, q, u, i, IndexTensor(negatives.data(), m));
        fold_in.zero_grad();
        loss.backward();
        fold_in.step();
      }
    }
    torch::NoGradGuard no_grad;
    const int64_t m = static_cast<int64_t>(held_out_.size());
    const double loss = BprLoss(p, q, IndexTensor(held_out_.users.data(), m),
                                IndexTensor(held_out_.items.data(), m),
                                IndexTensor(held_out_negatives_.data(), m))
                            .item<double>();
    if (!std::isfinite(loss)) return InternalError("MF: non-finite validation loss");
    return loss;
  }

  const LoggedDataset& data_;
  const MfOptions& o_;
  Pairs train_;     // training positives
  Pairs val_;       // gems_repro: validation positives (rows shared with training users)
  Pairs fold_in_;   // clean: validation clicks of the first half of each trajectory
  Pairs held_out_;  // clean: those of the second half
  std::vector<int64_t> held_out_negatives_;
  Rng validation_rng_;
  torch::Tensor users_, items_;
};

Status CheckOptions(const LoggedDataset& data, const MfOptions& o) {
  auto bad = [](const std::string& m) { return InvalidArgumentError("MF: " + m); };
  if (o.dim < 1) return bad("dim must be >= 1, got " + std::to_string(o.dim));
  if (!(o.lr > 0.0)) return bad("lr must be > 0");
  if (o.batch_size < 1) return bad("batch_size must be >= 1");
  if (!(o.validation_fraction > 0.0 && o.validation_fraction < 1.0))
    return bad("validation_fraction must be in (0, 1)");
  if (o.eval_interval_batches < 1) return bad("eval_interval_batches must be >= 1");
  if (o.patience < 1) return bad("patience must be >= 1");
  if (o.max_epochs < 0) return bad("max_epochs must be >= 0");
  if (o.num_threads < 0) return bad("num_threads must be >= 0");
  if (o.fold_in_steps < 0 || !(o.fold_in_lr > 0.0)) return bad("fold-in steps >= 0 and lr > 0");
  const int64_t n_val = static_cast<int64_t>(
      std::floor(static_cast<double>(data.num_trajectories()) * o.validation_fraction));
  if (n_val < 1 || n_val >= data.num_trajectories())
    return bad("the dataset's " + std::to_string(data.num_trajectories()) +
               " trajectories leave " + std::to_string(n_val) +
               " for validation (validation_fraction " + std::to_string(o.validation_fraction) +
               "); both parts must be non-empty");
  return Status::Ok();
}

}  // namespace

const char* MfPresetName(MfPreset preset) {
  return preset == MfPreset::kGemsRepro ? "gems_repro" : "clean";
}

Result<MfPreset> ParseMfPreset(const std::string& name) {
  if (name == "clean") return MfPreset::kClean;
  if (name == "gems_repro") return MfPreset::kGemsRepro;
  return InvalidArgumentError("MF preset '" + name + "': expected clean or gems_repro");
}

Result<MfResult> TrainMf(const LoggedDataset& data, const MfOptions& options) {
  RETURN_IF_ERROR(CheckOptions(data, options));
  try {
    if (options.num_threads > 0) torch::set_num_threads(options.num_threads);
    MfTrainer trainer(data, options);
    return trainer.Run();
  } catch (const std::exception& e) {
    return InternalError(std::string("MF: LibTorch error: ") + e.what());
  }
}

}  // namespace slaterl
