import SimCLI
import Foundation
// A closed pipe or a file-size limit must be a write error (one line, exit 74), not a signal that kills
// the process before it can say which file failed.
signal(SIGPIPE, SIG_IGN)
signal(SIGXFSZ, SIG_IGN)
exit(runMain(Array(CommandLine.arguments.dropFirst())))
