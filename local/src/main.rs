//! `parlor`: runs all of Parlor on one machine. Configuration comes from the environment
//! (see the README); the first run creates a demo workspace and prints how to sign in.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    parlor_local::init_tracing();
    let config = match parlor_local::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("parlor: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let running = match parlor_local::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("parlor: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", running.banner());
    let _ = tokio::signal::ctrl_c().await;
    println!("parlor: stopping");
    running.stop().await;
    std::process::ExitCode::SUCCESS
}
