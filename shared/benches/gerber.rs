//! Gerber parse throughput (placeholder until the parser lands).

fn main() {}
