"""Built-in sinks: json (journal + training_log.json), tensorboard, csv."""
