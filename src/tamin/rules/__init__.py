"""Legal rules as pure functions of (parameters, facts, date). Nothing under tamin.rules imports Django."""
