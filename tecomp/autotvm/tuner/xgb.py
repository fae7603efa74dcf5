"""A model-based tuner: a gradient-boosted cost model (xgboost, the ``tune``
extra) learns from the measured configurations which ones will be fast, and
each batch measures the candidates it ranks best, with a few random ones so the
model keeps seeing new ground."""

import numpy as np

from ...errors import TecompError
from .tuner import Tuner

#: Configurations the model ranks per batch when the space is larger.
CANDIDATES = 4096


class XGBTuner(Tuner):
    """``plan_size`` configurations measured before the model is first trained;
    ``epsilon`` of each batch chosen at random; ``loss_type`` ``"rank"`` or ``"reg"``."""

    def __init__(self, task, plan_size=32, feature_type="knob", loss_type="rank",
                 num_threads=None, optimizer="sa", diversity_filter_ratio=None, log_interval=50,
                 epsilon=0.05, seed=None):
        super().__init__(task)
        try:
            import xgboost
        except ImportError:
            raise TecompError("XGBTuner needs xgboost: pip install 'tecomp[tune]' (or use "
                              "RandomTuner, GridSearchTuner or GATuner)") from None
        if feature_type != "knob":
            raise TecompError(f"XGBTuner: feature_type {feature_type!r} is not supported; "
                              "tecomp's cost model reads the knob values ('knob')")
        if loss_type not in ("rank", "reg"):
            raise TecompError(f"XGBTuner: loss_type must be 'rank' or 'reg', got {loss_type!r}")
        self._xgb = xgboost
        self.plan_size, self.epsilon, self.loss_type = plan_size, epsilon, loss_type
        self.num_threads = num_threads
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.space = task.config_space
        self.visited, self.xs, self.ys = set(), [], []
        self.model = None

    def has_next(self):
        return len(self.visited) < len(self.space)

    def _unvisited(self, count):
        size = len(self.space)
        if size <= count * 2:
            pool = [i for i in range(size) if i not in self.visited]
            self.rng.shuffle(pool)
            return pool[:count]
        found = set()
        while len(found) < count:
            index = int(self.rng.integers(size))
            if index not in self.visited:
                found.add(index)
        return list(found)

    def next_batch(self, batch_size):
        if self.model is None:
            picks = self._unvisited(batch_size)
        else:
            pool = self._unvisited(min(CANDIDATES, len(self.space) - len(self.visited)))
            features = np.stack([self.space.get(i).get_flatten_feature() for i in pool])
            predicted = self.model.predict(features)
            order = [pool[i] for i in np.argsort(-predicted)]
            explore = int(round(batch_size * self.epsilon))
            picks = order[:batch_size - explore]
            rest = order[batch_size - explore:]
            if explore and rest:
                picks += [rest[i] for i in self.rng.choice(len(rest), min(explore, len(rest)),
                                                            replace=False)]
        for i in picks:
            self.visited.add(i)
        return [self.space.get(i) for i in picks]

    def update(self, inputs, results):
        for inp, res in zip(inputs, results):
            self.xs.append(inp.config.get_flatten_feature())
            self.ys.append(self.score(res))
        if len(self.xs) >= self.plan_size and max(self.ys) > 0:
            self._train()

    def _train(self):
        y = np.array(self.ys, dtype="float64")
        y = y / y.max()
        objective = "rank:pairwise" if self.loss_type == "rank" else "reg:squarederror"
        params = {"max_depth": 3, "eta": 0.3, "objective": objective, "verbosity": 0,
                  "seed": int(self.rng.integers(1 << 30))}
        if self.num_threads:
            params["nthread"] = self.num_threads
        data = self._xgb.DMatrix(np.stack(self.xs), label=y)
        booster = self._xgb.train(params, data, num_boost_round=60)
        self.model = _Model(booster, self._xgb)

    def load_history(self, data_set, min_seed_records=500):
        pass


class _Model:
    def __init__(self, booster, xgb):
        self.booster, self.xgb = booster, xgb

    def predict(self, features):
        return self.booster.predict(self.xgb.DMatrix(features))
