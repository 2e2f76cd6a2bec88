using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>
/// Tests of these classes change the process-wide <see cref="Parallelism.MaxThreads"/> and
/// <see cref="WorkerPool.SpinMicroseconds"/> and need the pool to themselves: they run alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolExclusive
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Solo: worker pool";
}

/// <summary>
/// The persistent worker pool (Kernels/WorkerPool.cs): every item once, exceptions, nesting, concurrent callers,
/// thread-count changes, and the blocking wake-up path. Each test that could hang runs under a time limit.
/// </summary>
[Collection(PoolExclusive.Name)]
public class WorkerPoolTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs body on another thread and fails (instead of hanging) if it does not finish in time.</summary>
    internal static void Guarded(Action body)
    {
        var task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(Limit), "the pool did not finish in time (deadlock?)");
    }

    /// <summary>Runs body with MaxThreads and the spin time set, restoring both.</summary>
    private static void With(int threads, int spinMicroseconds, Action body)
    {
        int savedThreads = Parallelism.MaxThreads, savedSpin = WorkerPool.SpinMicroseconds;
        try
        {
            Parallelism.MaxThreads = threads;
            WorkerPool.SpinMicroseconds = spinMicroseconds;
            body();
        }
        finally
        {
            Parallelism.MaxThreads = savedThreads;
            WorkerPool.SpinMicroseconds = savedSpin;
        }
    }

    [Theory]
    [InlineData(50)]   // the default: workers usually still spinning between calls
    [InlineData(0)]    // every wait blocks on an event: the wake-up protocol on every call
    public void Every_item_runs_exactly_once_on_at_most_threads_threads(int spinMicroseconds) => Guarded(() =>
    {
        int caller = Environment.CurrentManagedThreadId;
        foreach (int threads in new[] { 1, 2, 3, 4, 8 })
            With(threads, spinMicroseconds, () =>
            {
                for (int repeat = 0; repeat < 20; repeat++)
                    foreach (int items in new[] { 0, 1, 2, 3, 5, 7, 8, 16, 33, 100 })
                    {
                        var runs = new int[items];
                        var threadIds = new HashSet<int>();
                        bool strangers = false;
                        WorkerPool.Run(items, threads, i =>
                        {
                            Interlocked.Increment(ref runs[i]);
                            var me = Thread.CurrentThread;
                            if (me.ManagedThreadId != caller && !(me.IsBackground && me.Name is { } name && name.StartsWith("Cajal worker", StringComparison.Ordinal)))
                                strangers = true;
                            lock (threadIds) threadIds.Add(me.ManagedThreadId);
                        });
                        Assert.All(runs, r => Assert.Equal(1, r));
                        Assert.False(strangers, "an item ran on a thread that is neither the caller nor a pool worker");
                        Assert.True(threadIds.Count <= Math.Max(1, threads), $"{items} items on {threads} threads ran on {threadIds.Count} threads");
                    }
            });
    });

    [Fact]
    public void Chunks_cover_the_range_once_in_ceiling_sized_pieces() => Guarded(() => With(4, 50, () =>
    {
        foreach (int count in new[] { 0, 1, 2, 3, 7, 10, 64, 1001 })
            foreach (int chunks in new[] { 1, 2, 3, 4, 5, 9 })
            {
                var covered = new int[count];
                var pieces = new List<(int Start, int End)>();
                WorkerPool.RunChunks(count, chunks, (start, end) =>
                {
                    lock (pieces) pieces.Add((start, end));
                    for (int i = start; i < end; i++) Interlocked.Increment(ref covered[i]);
                });
                Assert.All(covered, c => Assert.Equal(1, c));
                if (count == 0) continue;
                int used = Math.Min(chunks, count), size = (count + used - 1) / used;
                var expected = Enumerable.Range(0, used).Select(t => (t * size, Math.Min(count, t * size + size))).Where(p => p.Item1 < p.Item2);
                Assert.Equal(expected.OrderBy(p => p.Item1), pieces.OrderBy(p => p.Start));
            }
    }));

    [Fact]
    public void Inline_calls_run_on_the_caller_without_the_worker_flag() => Guarded(() => With(4, 50, () =>
    {
        int caller = Environment.CurrentManagedThreadId;
        foreach (var (items, threads) in new[] { (1, 4), (5, 1) })
        {
            var seen = new List<(int Thread, bool InWorker)>();
            WorkerPool.Run(items, threads, _ => seen.Add((Environment.CurrentManagedThreadId, Parallelism.InWorker)));
            Assert.Equal(items, seen.Count);
            Assert.All(seen, s => Assert.Equal((caller, false), s));
        }
    }));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_first_exception_reaches_the_caller_after_running_items_finish(bool onWorker) => Guarded(() => With(3, 50, () =>
    {
        int caller = Environment.CurrentManagedThreadId;
        int thrown = 0;
        // Which thread claims which item varies: count the rounds where an item on the chosen side threw.
        for (int round = 0; round < 200 && thrown < 10; round++)
        {
            int running = 0, workerStarted = 0, throwerRan = 0;
            Exception? caught = null;
            try
            {
                WorkerPool.Run(64, 3, i =>
                {
                    Interlocked.Increment(ref running);
                    try
                    {
                        bool onCaller = Environment.CurrentManagedThreadId == caller;
                        if (!onCaller) Volatile.Write(ref workerStarted, 1);
                        // The caller holds its first item until a worker has started one, so both sides run items.
                        if (onCaller) SpinWait.SpinUntil(() => Volatile.Read(ref workerStarted) == 1, TimeSpan.FromSeconds(10));
                        Thread.SpinWait(2000);   // other items are still running when one throws
                        if (onCaller != onWorker)
                        {
                            Volatile.Write(ref throwerRan, 1);
                            throw new InvalidOperationException($"item {i} failed");
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref running);
                    }
                });
            }
            catch (InvalidOperationException e)
            {
                caught = e;
            }
            Assert.Equal(0, Volatile.Read(ref running));   // nothing still running when Run returns or throws
            Assert.Equal(throwerRan == 1, caught is not null);
            if (caught is not null)
            {
                Assert.StartsWith("item ", caught.Message, StringComparison.Ordinal);
                thrown++;
            }
        }
        Assert.Equal(10, thrown);
        // The pool still works.
        var runs = new int[100];
        WorkerPool.Run(100, 3, i => Interlocked.Increment(ref runs[i]));
        Assert.All(runs, r => Assert.Equal(1, r));
    }));

    [Fact]
    public void Items_after_an_exception_are_not_started() => Guarded(() => With(2, 50, () =>
    {
        int started = 0;
        var error = Assert.Throws<ArithmeticException>(() => WorkerPool.Run(10_000, 2, _ =>
        {
            Interlocked.Increment(ref started);
            throw new ArithmeticException("every item throws");
        }));
        Assert.Equal("every item throws", error.Message);
        Assert.InRange(started, 1, 2);   // at most one item per thread before the claims stop
    }));

    [Fact]
    public void Nested_calls_run_serially_on_the_item_thread() => Guarded(() => With(4, 50, () =>
    {
        int caller = Environment.CurrentManagedThreadId;
        int callerRounds = 0;
        bool caughtOversubscription = false;
        for (int round = 0; round < 200 && callerRounds < 5; round++)
        {
            int onCaller = 0;
            WorkerPool.Run(16, 4, _ =>
            {
                int outer = Environment.CurrentManagedThreadId;
                if (outer == caller) Volatile.Write(ref onCaller, 1);
                if (!Parallelism.InWorker || Parallelism.Available != 1) caughtOversubscription = true;
                WorkerPool.Run(6, 4, _ =>
                {
                    if (Environment.CurrentManagedThreadId != outer || !Parallelism.InWorker) caughtOversubscription = true;
                });
                Partition.For(6, long.MaxValue, (_, _) =>
                {
                    if (Environment.CurrentManagedThreadId != outer) caughtOversubscription = true;
                });
                if (!Parallelism.InWorker) caughtOversubscription = true;   // the nested calls restored the flag
                Thread.SpinWait(500);
            });
            callerRounds += onCaller;
            Assert.False(caughtOversubscription);
            Assert.False(Parallelism.InWorker);   // restored on the calling thread
            Assert.Equal(4, Parallelism.Available);
        }
        Assert.Equal(5, callerRounds);   // the caller itself ran items (and had the flag) in some rounds
    }));

    [Fact]
    public void Concurrent_callers_all_complete_with_every_item_once()
    {
        With(3, 50, () =>
        {
            int failures = 0;
            var callers = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
            {
                for (int call = 0; call < 1000; call++)
                {
                    int items = 1 + (call * 7 + t) % 13;
                    var runs = new int[items];
                    if (call % 2 == 0) WorkerPool.Run(items, 3, i => Interlocked.Increment(ref runs[i]));
                    else Partition.For(items, long.MaxValue, (s, e) => { for (int i = s; i < e; i++) Interlocked.Increment(ref runs[i]); });
                    if (runs.Any(r => r != 1)) Interlocked.Increment(ref failures);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            Assert.True(Task.WaitAll(callers, Limit), "concurrent callers did not finish in time (deadlock?)");
            Assert.Equal(0, failures);
        });
    }

    [Theory]
    [InlineData(50)]
    [InlineData(0)]   // workers block and often wake after their call is over: they must not join the next one
    public void Changing_MaxThreads_between_calls_grows_and_caps_the_threads_used(int spinMicroseconds) => Guarded(() => With(1, spinMicroseconds, () =>
    {
        int[] sequence = [4, 2, 1, 3, 6, 2, 8, 1, 2];
        for (int call = 0; call < 50 * sequence.Length; call++)
        {
            int threads = sequence[call % sequence.Length];
            Parallelism.MaxThreads = threads;
            var ids = new HashSet<int>();
            var runs = new int[32];
            Partition.For(32, long.MaxValue, (s, e) =>
            {
                lock (ids) ids.Add(Environment.CurrentManagedThreadId);
                for (int i = s; i < e; i++) runs[i]++;
                Thread.SpinWait(100);
            });
            Assert.All(runs, r => Assert.Equal(1, r));
            Assert.InRange(ids.Count, 1, threads);
        }
    }));

    [Fact]
    public void Workers_woken_for_a_finished_call_stay_out_of_the_next() => Guarded(() => With(8, 0, () =>
    {
        for (int round = 0; round < 20; round++)
        {
            // Seven blocked workers are woken for a call whose trivial items the caller finishes alone...
            WorkerPool.Run(64, 8, _ => { });
            // ...and wake up while a slower two-thread call is running.
            var ids = new HashSet<int>();
            WorkerPool.Run(64, 2, _ =>
            {
                lock (ids) ids.Add(Environment.CurrentManagedThreadId);
                Thread.SpinWait(3000);
            });
            Assert.InRange(ids.Count, 1, 2);
        }
    }));

    [Fact]
    public void Gemm_called_from_a_users_Parallel_For_gives_the_serial_bits() => Guarded(() => With(2, 50, () =>
    {
        const int n = 160, products = 12;   // 160³ multiply-adds: above the GEMM's parallel threshold
        var rng = new Generator(77);
        var a = ElementwiseKernelTests.Data<float>(rng, n * n, withSpecials: false);
        var bs = Enumerable.Range(0, products).Select(_ => ElementwiseKernelTests.Data<float>(rng, n * n, withSpecials: false)).ToArray();
        var serial = bs.Select(b =>
        {
            var c = new float[n * n];
            Gemm.Multiply(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, accumulate: false);
            return c;
        }).ToArray();
        var concurrent = new float[products][];
        Parallel.For(0, products, new ParallelOptions { MaxDegreeOfParallelism = 4 }, p =>
        {
            var c = new float[n * n];
            Gemm.Multiply(n, n, n, a, 0, n, 1, bs[p], 0, n, 1, c, 0, n, accumulate: false);
            concurrent[p] = c;
        });
        for (int p = 0; p < products; p++) Assert.True(serial[p].AsSpan().SequenceEqual(concurrent[p]), $"product {p} differs");
    }));
}
