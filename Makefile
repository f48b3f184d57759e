# The two commands of README.md.
.PHONY: demo test setup lint bench screenshots interop interop-fixtures
demo:            ## set up, then ingest the bundled sample dataset and answer questions
	@./scripts/demo.sh
test:            ## set up everything (packages, services), then lint, type-check and test
	@./scripts/test.sh
setup:
	@./scripts/setup.sh
bench:           ## run the benchmarks, print their numbers, regenerate docs/benchmarks.md sections (ARGS=--quick: minutes)
	@./scripts/bench.sh $(ARGS)
screenshots:     ## regenerate docs/screenshots from the explorer's browser tests
	@./scripts/build-ui.sh && PROVENANCE_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/ui -q -p no:cacheprovider
interop:         ## build the SBOM generators (cached), then run the generator interop suite
	@./scripts/interop.sh
interop-fixtures: ## regenerate tests/fixtures/generators from the real generators
	@./scripts/interop.sh --fixtures
