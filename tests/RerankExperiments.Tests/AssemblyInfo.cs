// Tests run one at a time: torch's default generator and the process's resident memory are shared by the whole
// test host, and the seeding and memory tests must see them undisturbed.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
