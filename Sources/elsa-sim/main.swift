import SimCLI
import Foundation
#if canImport(Glibc)
import Glibc
#endif
// A closed pipe or a file-size limit must be a write error (one line, exit 74), not a signal that kills
// the process before it can say which file failed.
signal(SIGPIPE, SIG_IGN)
signal(SIGXFSZ, SIG_IGN)
#if canImport(Glibc)
// Each head's score rows are a few MiB, allocated and freed once per head on every thread. With glibc's
// defaults those blocks were mapped fresh or trimmed back to the kernel each time, so every head paid a
// page fault and a page clearing per 4 KiB (≈ 6 % of a BERT-large run's CPU, docs/performance.md): keep
// blocks up to 64 MiB in the heap and freed memory there. The peak resident memory is unchanged.
// (`mallopt` is not in Swift's Glibc module: found by name; the parameter numbers are malloc.h's.)
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1
    _ = mallopt(mmapThreshold, 64 << 20)
    _ = mallopt(trimThreshold, 512 << 20)
}
#endif
exit(runMain(Array(CommandLine.arguments.dropFirst())))
