// Collections run one after the other: brokers and silos share 2 cores, and timing assertions need them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
