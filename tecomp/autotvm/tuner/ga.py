"""A genetic tuner: configurations as genes (one choice per knob), the fastest
breed, children mutate; never measures a configuration twice."""

import numpy as np

from .tuner import Tuner


class GATuner(Tuner):
    """``pop_size`` genes per generation, ``elite_num`` kept, each gene of a
    child mutated with probability ``mutation_prob``."""

    def __init__(self, task, pop_size=100, elite_num=3, mutation_prob=0.1, seed=None):
        super().__init__(task)
        space = task.config_space
        self.radix = space.knob_radix()
        self.space_size = len(space)
        self.pop_size = min(pop_size, self.space_size)
        self.elite_num = min(elite_num, self.pop_size)
        self.mutation_prob = mutation_prob
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.visited = set()
        self.scores = {}       # index -> score
        self.queue = [self._random_unvisited() for _ in range(self.pop_size)]
        self.queue = [i for i in dict.fromkeys(self.queue) if i is not None]

    def _genes(self, index):
        genes = []
        for r in self.radix:
            genes.append(index % r)
            index //= r
        return genes

    def _index(self, genes):
        index, scale = 0, 1
        for g, r in zip(genes, self.radix):
            index += g * scale
            scale *= r
        return index

    def _random_unvisited(self):
        if len(self.visited) >= self.space_size:
            return None
        while True:
            index = int(self.rng.integers(self.space_size))
            if index not in self.visited:
                return index

    def has_next(self):
        return len(self.visited) < self.space_size

    def next_batch(self, batch_size):
        batch = []
        while len(batch) < batch_size and self.has_next():
            if not self.queue:
                self.queue = self._next_generation()
            index = self.queue.pop(0)
            if index in self.visited:
                continue
            self.visited.add(index)
            batch.append(self.task.config_space.get(index))
        return batch

    def update(self, inputs, results):
        for inp, res in zip(inputs, results):
            self.scores[inp.config.index] = self.score(res)

    def _next_generation(self):
        ranked = sorted(self.scores, key=self.scores.get, reverse=True)
        parents = ranked[:max(self.pop_size, 2)]
        weights = np.array([self.scores[i] for i in parents], dtype="float64") + 1e-12
        weights /= weights.sum()
        children = []
        for _ in range(self.pop_size * 4):      # bounded: the space may be nearly exhausted
            if len(children) >= self.pop_size:
                break
            a, b = (self._genes(int(p)) for p in self.rng.choice(parents, 2, p=weights))
            cut = int(self.rng.integers(len(a) + 1))
            child = a[:cut] + b[cut:]
            for k, r in enumerate(self.radix):
                if self.rng.random() < self.mutation_prob:
                    child[k] = int(self.rng.integers(r))
            index = self._index(child)
            if index not in self.visited and index not in children:
                children.append(index)
        while len(children) < self.pop_size:
            index = self._random_unvisited()
            if index is None or index in children:
                break
            children.append(index)
        return children
