# The two commands of README.md.
.PHONY: demo test setup lint bench
demo:            ## set up, then ingest the bundled sample dataset and answer questions
	@./scripts/demo.sh
test:            ## set up everything (packages, services), then lint, type-check and test
	@./scripts/test.sh
setup:
	@./scripts/setup.sh
bench:           ## run the benchmarks and print their numbers
	@./scripts/bench.sh
