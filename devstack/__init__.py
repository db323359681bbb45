"""The local stack: moto as the embedded AWS (requests serialized), resources from infra/template.yaml,
the Chalice API, and a runner that feeds the table's stream to the notifier like Lambda does."""
