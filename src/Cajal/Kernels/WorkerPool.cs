using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Cajal.Kernels;

/// <summary>
/// Cajal's own persistent worker threads for the parallel kernels: the calling thread and up to
/// <c>threads − 1</c> workers claim the items of one call from a shared counter.
/// </summary>
/// <remarks>
/// <para>Why not <c>Parallel.For</c>: a training epoch of the MLP benchmark makes about 15,000 parallel calls of
/// 20–200 µs each, and the thread pool's hand-off (queueing replicating tasks, workers that yield and sleep between
/// bursts) took about a tenth of the epoch in profiles. Here a call publishes its body in static fields, bumps each chosen
/// worker's ticket and runs items itself; a worker that waits stays awake for a short bounded time
/// (<see cref="SpinMicroseconds"/>, 50 µs) before it blocks on its own event, so back-to-back calls find it awake and
/// an idle process burns no core. Staying awake means pause instructions for the first ~10 µs and then
/// <see cref="Thread.Yield"/>: on the shared 2-core machine pure pause spinning was no faster than Parallel.For
/// (it takes the core from the thread being waited for), yielding made the MLP epoch 5–10% faster. The caller
/// waits for the last worker in the same way.</para>
/// <para>Completion: the caller closes the call once no item is left to claim and waits (awake, then blocked) until
/// no worker is inside it. A worker that wakes late for a finished call sees it closed (or sees another call's
/// ticket) and goes back to waiting, so the caller never waits for a worker that has nothing left to do, and a call
/// never runs on more than its <c>threads</c>.</para>
/// <para>Determinism: items are claimed dynamically, so which thread runs an item varies from call to call; callers
/// must make each item's result independent of the thread that runs it (they split work by item, never by
/// thread).</para>
/// <para>Nesting and concurrency: <see cref="Parallelism.InWorker"/> is set on the workers and, while it runs items,
/// on the caller, so a kernel called from an item runs serially. One call owns the pool at a time; a call that
/// finds it owned (another thread's call, or a nested call) runs all its items inline on its own thread, so calls
/// never wait for one another and cannot deadlock.</para>
/// <para>Exceptions: an item that throws stops the claiming of further items; once the items already running have
/// finished, the first exception caught is rethrown on the caller with its original stack trace (not wrapped in an
/// AggregateException). The pool stays usable.</para>
/// <para>Workers are created lazily, as many as the largest call needed (at most <see cref="Parallelism.MaxThreads"/>
/// − 1 at the time); a call uses only the first <c>threads − 1</c>, so the others stay blocked if
/// MaxThreads is lowered. They are background threads and never exit.</para>
/// </remarks>
internal static class WorkerPool
{
    /// <summary>How long (µs) a waiting worker or caller stays awake (pausing, then yielding) before it blocks; <c>CAJAL_POOL_SPIN_US</c> overrides the default 50.</summary>
    internal static int SpinMicroseconds
    {
        get => (int)(s_spinTicks * 1_000_000 / Stopwatch.Frequency);
        set => s_spinTicks = Math.Max(0, value) * Stopwatch.Frequency / 1_000_000;
    }

    private static long s_spinTicks = (int.TryParse(Environment.GetEnvironmentVariable("CAJAL_POOL_SPIN_US"), out int us) ? Math.Max(0, us) : 50)
        * Stopwatch.Frequency / 1_000_000;

    /// <summary>The first part of a wait: pause instructions only (about 10 µs, or the whole wait if it is shorter).</summary>
    private static readonly long s_pauseTicks = 10 * Stopwatch.Frequency / 1_000_000;

    /// <summary>One step of a bounded wait that began at <paramref name="start"/>: pause instructions for the first
    /// ~10 µs, then <see cref="Thread.Yield"/>, which hands the core to another runnable thread (on a busy machine, often
    /// the very thread being waited for) and returns at once when there is none.</summary>
    private static void Pause(long start)
    {
        if (Stopwatch.GetTimestamp() - start < s_pauseTicks) Thread.SpinWait(20);
        else Thread.Yield();
    }

    private static Worker[] s_workers = [];
    private static int s_owned;        // 1 while a call owns the pool
    private static int s_generation;   // the current call's ticket

    // The current call. Written by its owner before s_open is set; read by workers after they see s_open set.
    private static Action<int>? s_body;
    private static Action<int, int>? s_chunkBody;
    private static int s_items, s_count, s_chunk;
    private static int s_next;         // the next item to claim
    private static int s_open;         // 1 while workers may join the call
    private static int s_inside;       // workers inside the call (joined and not yet left)
    private static Exception? s_error;

    // The owner's wait for the last worker to leave.
    private static readonly ManualResetEventSlim s_done = new(false, 0);
    private static int s_ownerSleeping;

    /// <summary>Runs <paramref name="body"/>(i) for every i in [0, <paramref name="items"/>) on at most <paramref name="threads"/> threads, the caller among them.</summary>
    public static void Run(int items, int threads, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (items <= 1 || threads <= 1)
        {
            for (int i = 0; i < items; i++) body(i);
            return;
        }
        Execute(items, threads, body, null, 0, 0);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) cut into <paramref name="chunks"/>
    /// contiguous chunks of ⌈count / chunks⌉ (the last may be shorter or empty: empty chunks are skipped), on at most
    /// <paramref name="chunks"/> threads. Same as <see cref="Run"/> with item t = chunk t, without a closure per call.
    /// </summary>
    public static void RunChunks(int count, int chunks, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        chunks = Math.Clamp(chunks, 1, count);
        if (chunks == 1)
        {
            body(0, count);
            return;
        }
        Execute(chunks, chunks, null, body, count, (count + chunks - 1) / chunks);
    }

    private static void Execute(int items, int threads, Action<int>? body, Action<int, int>? chunkBody, int count, int chunk)
    {
        if (Parallelism.InWorker || Interlocked.CompareExchange(ref s_owned, 1, 0) != 0)
        {
            // Nested, or another thread's call owns the pool: run everything here.
            bool outer = Parallelism.InWorker;
            Parallelism.InWorker = true;
            try
            {
                for (int i = 0; i < items; i++) Invoke(body, chunkBody, count, chunk, i);
            }
            finally
            {
                Parallelism.InWorker = outer;
            }
            return;
        }
        Exception? error;
        try
        {
            int helpers = Math.Min(threads, items) - 1;
            if (s_workers.Length < helpers) Grow(helpers);
            (s_body, s_chunkBody, s_items, s_count, s_chunk) = (body, chunkBody, items, count, chunk);
            s_error = null;
            s_next = 0;
            int ticket = unchecked(++s_generation);
            Volatile.Write(ref s_open, 1);
            var workers = s_workers;
            for (int w = 0; w < helpers; w++) workers[w].Wake(ticket);

            Parallelism.InWorker = true;
            try
            {
                RunItems();
            }
            finally
            {
                Parallelism.InWorker = false;
            }
            Interlocked.Exchange(ref s_open, 0);   // a full fence: a worker joining from now on sees the call closed
            WaitUntilNoneInside();
            error = s_error;
        }
        finally
        {
            (s_body, s_chunkBody, s_error) = (null, null, null);   // do not keep the caller's closure alive
            Volatile.Write(ref s_owned, 0);
        }
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    private static void Invoke(Action<int>? body, Action<int, int>? chunkBody, int count, int chunk, int item)
    {
        if (body is not null)
        {
            body(item);
            return;
        }
        int start = item * chunk, end = Math.Min(count, start + chunk);
        if (start < end) chunkBody!(start, end);
    }

    /// <summary>Claims and runs items of the current call until none is left or an item has thrown.</summary>
    private static void RunItems()
    {
        var (body, chunkBody, items, count, chunk) = (s_body, s_chunkBody, s_items, s_count, s_chunk);
        while (true)
        {
            int i = Interlocked.Increment(ref s_next) - 1;
            if ((uint)i >= (uint)items) return;
            try
            {
                Invoke(body, chunkBody, count, chunk, i);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref s_error, ex, null);
                Volatile.Write(ref s_next, items);   // nobody claims another item
                return;
            }
        }
    }

    private static void WaitUntilNoneInside()
    {
        if (Volatile.Read(ref s_inside) == 0) return;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - start < s_spinTicks)
        {
            Pause(start);
            if (Volatile.Read(ref s_inside) == 0) return;
        }
        while (true)
        {
            s_done.Reset();
            Interlocked.Exchange(ref s_ownerSleeping, 1);
            if (Volatile.Read(ref s_inside) == 0)
            {
                Volatile.Write(ref s_ownerSleeping, 0);
                return;
            }
            s_done.Wait();
        }
    }

    private static void Grow(int helpers)
    {
        var workers = new Worker[helpers];
        Array.Copy(s_workers, workers, s_workers.Length);
        for (int w = s_workers.Length; w < helpers; w++) workers[w] = new Worker(w);
        s_workers = workers;
    }

    /// <summary>One persistent worker thread with its own ticket and wake-up event.</summary>
    /// <remarks>Never disposed: the thread lives as long as the process and waits on the event.</remarks>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The worker and its event live as long as the process.")]
    private sealed class Worker
    {
        private readonly ManualResetEventSlim _wake = new(false, 0);
        private int _ticket;     // the last call this worker was asked to join
        private int _sleeping;   // 1 while blocked (or about to block) on _wake

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Cajal worker {index + 1}" };
            thread.Start();
        }

        /// <summary>Asks this worker to join the call with this ticket (called by the owner only).</summary>
        public void Wake(int ticket)
        {
            Interlocked.Exchange(ref _ticket, ticket);   // a full fence before _sleeping is read
            if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Set();
        }

        private void Loop()
        {
            Parallelism.InWorker = true;
            int seen = 0;
            while (true)
            {
                WaitForTicket(seen);
                seen = Volatile.Read(ref _ticket);
                Interlocked.Increment(ref s_inside);   // a full fence before s_open is read
                // Join only the call this ticket was for: one that woke too late for its call stays out of the next.
                if (Volatile.Read(ref s_open) == 1 && Volatile.Read(ref s_generation) == seen) RunItems();
                if (Interlocked.Decrement(ref s_inside) == 0
                    && Volatile.Read(ref s_ownerSleeping) == 1 && Interlocked.Exchange(ref s_ownerSleeping, 0) == 1)
                    s_done.Set();
            }
        }

        private void WaitForTicket(int seen)
        {
            if (Volatile.Read(ref _ticket) != seen) return;
            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() - start < s_spinTicks)
            {
                Pause(start);
                if (Volatile.Read(ref _ticket) != seen) return;
            }
            // Block. A wake-up that was meant for an earlier round only makes this loop go round once more.
            while (true)
            {
                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 1);   // a full fence before _ticket is read
                if (Volatile.Read(ref _ticket) != seen)
                {
                    Volatile.Write(ref _sleeping, 0);
                    return;
                }
                _wake.Wait();
                if (Volatile.Read(ref _ticket) != seen) return;
            }
        }
    }
}
