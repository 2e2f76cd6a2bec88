namespace Cajal.Tests.Support;

/// <summary>Runs test code under a given <see cref="Parallelism.MaxThreads"/>, restoring the setting afterwards.</summary>
internal static class Threads
{
    public static T With<T>(int threads, Func<T> body)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            return body();
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
