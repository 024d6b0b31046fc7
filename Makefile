# Thin wrappers; the work is in package.json scripts and src/dev/.
.PHONY: dev test browser build bench lint typecheck check deploy clean clean-data

# Reinstall whenever the lockfile or manifest changes (node_modules missing or stale).
DEPS := node_modules/.deps-installed
$(DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

dev: $(DEPS) ## local AWS services + tables + demo tenant + app on http://localhost:3000
	npm run dev

test: $(DEPS) browser ## every test (starts its own DynamoDB Local and moto on free ports)
	npx vitest run $(VITEST_FLAGS)

browser: ## Debian's chromium for the browser tests: installed with apt when missing (as root), else one line saying how
	@sh src/dev/ensure-chromium.sh

build: $(DEPS) ## bundle every function as sam build does (into dist/<LogicalId>), print sizes
	npm run build

# `sam build` (BuildMethod: makefile) runs one of these per function of template.yaml, in a copy of this folder,
# and packages what it leaves in ARTIFACTS_DIR. They install nothing: run `npm ci` before `sam build`.
FUNCTIONS := HttpFunction LocalHttpApiFunction EmailWorkerFunction SmsWorkerFunction OutboxRelayFunction SecretReaperFunction ScraperFunction ScrapeWorkerFunction AlertsFunction MarkdownPublisherFunction StatsAggregatorFunction BillingReconcileFunction
.PHONY: $(addprefix build-,$(FUNCTIONS))
$(addprefix build-,$(FUNCTIONS)):
	npx tsx src/dev/build.ts --function $(@:build-%=%) --out "$(ARTIFACTS_DIR)"

bench: $(DEPS) ## cold start, warm request and scrypt figures
	npm run bench

lint: $(DEPS)
	npm run lint

typecheck: $(DEPS)
	npm run typecheck

check: typecheck lint ## typecheck, lint, template lint
	cfn-lint template.yaml

deploy: $(DEPS) ## build and deploy with SAM (first time: guided)
	sam build && sam deploy --guided

clean:
	rm -rf dist .aws-sam test/artifacts

clean-data: ## forget local DynamoDB data and local secrets
	rm -rf .data
