#!/usr/bin/env bash
# Download the Neo4j test harness and its dependencies into tests/neo4j/lib
# (Maven's local repository, ~/.m2, caches them between runs).
set -euo pipefail
cd "$(dirname "$0")"
if [ -f lib/.complete ]; then exit 0; fi
mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime
touch lib/.complete
