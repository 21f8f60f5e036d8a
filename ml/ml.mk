# Classifier targets (included from the main Makefile). See ml/train.ts and ml/eval.ts.
# TRAIN_ARGS / EVAL_ARGS pass options through, e.g. `make train TRAIN_ARGS="--seed 7"`.
TRAIN_ARGS ?=
EVAL_ARGS ?=
# One core for the benchmark figure when taskset exists; otherwise run unpinned.
BENCH_PIN := $(shell command -v taskset >/dev/null 2>&1 && echo "taskset -c 0")

.PHONY: train eval bench-model

train:
	npx tsx ml/train.ts $(TRAIN_ARGS)
	npx tsx ml/eval.ts

eval:
	npx tsx ml/eval.ts $(EVAL_ARGS)

bench-model:
	$(BENCH_PIN) npx tsx bench/model-bench.ts
