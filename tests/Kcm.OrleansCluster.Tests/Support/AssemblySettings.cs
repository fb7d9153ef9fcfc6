// The process tests measure recovery times on a 2-core machine: one at a time, never beside each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
