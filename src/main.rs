fn main() -> std::process::ExitCode {
    caravan::cli::main()
}
