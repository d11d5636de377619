//! Firstpass build chores, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! Every command runs the real tools (`cargo`, the wasm-bindgen library, `wasm-opt` when
//! installed) with inherited output, stops at the first failure and exits non-zero.

mod cmd;
mod compress;
mod graphiql;
mod lockfile;
mod web;

use std::process::ExitCode;

use anyhow::{bail, Result};

const USAGE: &str = "\
Firstpass build chores

usage: cargo xtask <command> [options]

commands:
  build-web [--release]   build the browser app into web/dist (release: size-optimized)
  dist                    release web bundle, then the release server binary with it embedded
  run [-- ARGS]           release web bundle, load demo data, start the server (ARGS go to `serve`)
  test [-- ARGS]          build the web app, then `cargo test --workspace` (ARGS go to cargo test)
  schema                  write the server's GraphQL SDL to api/schema.graphql
  help                    this text

CARGO_TARGET_DIR is honoured (default: <workspace>/target).";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        bail!("no command given");
    };
    match command.as_str() {
        "build-web" => {
            let release = match rest {
                [] => false,
                [flag] if flag == "--release" => true,
                _ => bail!(
                    "`build-web` takes only `--release`, got: {}",
                    rest.join(" ")
                ),
            };
            web::build(if release {
                web::Profile::Release
            } else {
                web::Profile::Dev
            })?;
        }
        "dist" => {
            no_args("dist", rest)?;
            web::build(web::Profile::Release)?;
            cmd::cargo(&[
                "build",
                "--release",
                "-p",
                "firstpass-api",
                "--bin",
                "firstpass",
            ])?;
            let binary = cmd::target_dir()?.join("release").join(exe("firstpass"));
            let size = std::fs::metadata(&binary)
                .map_err(|e| anyhow::anyhow!("expected {} after the build: {e}", binary.display()))?
                .len();
            eprintln!(
                "xtask: server binary {} ({})",
                binary.display(),
                cmd::human_size(size)
            );
        }
        "run" => {
            // What users get: the small bundle, so the first page loads as fast as it will.
            web::build(web::Profile::Release)?;
            cmd::cargo(&[
                "run",
                "-p",
                "firstpass-api",
                "--bin",
                "firstpass",
                "--",
                "demo-data",
            ])?;
            let mut serve = vec![
                "run",
                "-p",
                "firstpass-api",
                "--bin",
                "firstpass",
                "--",
                "serve",
            ];
            serve.extend(pass_through(rest).iter().map(String::as_str));
            cmd::cargo(&serve)?;
        }
        "test" => {
            // The debug bundle: incremental builds in about a minute, where the release one
            // takes several on two cores; the tests check behaviour, not size.
            web::build(web::Profile::Dev)?;
            let mut test = vec!["test", "--workspace"];
            test.extend(pass_through(rest).iter().map(String::as_str));
            cmd::cargo(&test)?;
        }
        "schema" => {
            no_args("schema", rest)?;
            let sdl = cmd::cargo_stdout(&[
                "run",
                "--quiet",
                "-p",
                "firstpass-api",
                "--bin",
                "firstpass",
                "--",
                "print-schema",
            ])?;
            if sdl.trim().is_empty() {
                bail!(
                    "`firstpass print-schema` printed nothing; api/schema.graphql left as it was"
                );
            }
            let path = cmd::workspace_root().join("api").join("schema.graphql");
            std::fs::write(&path, &sdl)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            eprintln!("xtask: wrote {} ({} bytes)", path.display(), sdl.len());
        }
        "help" | "--help" | "-h" => eprintln!("{USAGE}"),
        other => {
            eprintln!("{USAGE}");
            bail!("unknown command `{other}`");
        }
    }
    Ok(())
}

fn no_args(command: &str, rest: &[String]) -> Result<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        bail!("`{command}` takes no arguments, got: {}", rest.join(" "))
    }
}

/// Arguments meant for the inner command; a leading `--` separator is optional.
fn pass_through(rest: &[String]) -> &[String] {
    match rest.split_first() {
        Some((first, tail)) if first == "--" => tail,
        _ => rest,
    }
}

/// A binary's file name on this platform.
fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_separator_is_optional() {
        assert_eq!(
            pass_through(&strings(&["--", "--port", "8080"])),
            strings(&["--port", "8080"])
        );
        assert_eq!(
            pass_through(&strings(&["--port", "8080"])),
            strings(&["--port", "8080"])
        );
        assert!(pass_through(&[]).is_empty());
    }

    #[test]
    fn unknown_commands_and_flags_fail() {
        assert!(run(strings(&["frobnicate"])).is_err());
        assert!(run(strings(&["build-web", "--fast"])).is_err());
        assert!(run(strings(&["dist", "extra"])).is_err());
        assert!(run(Vec::new()).is_err());
    }
}
