import EngineSyncCommands

@main
enum EngineSyncMain {
    static func main() async {
        await EngineSyncCommand.runFromCommandLine()
    }
}
