namespace Cajal;

/// <summary>
/// How many threads hold a per-thread setting away from its default: a no-grad scope, or a test's forced kernel path.
/// While none does, the setting's readers skip their <c>[ThreadStatic]</c> field.
/// </summary>
/// <remarks>
/// <para>Why: on Linux every read of a <c>[ThreadStatic]</c> field is a call to <c>__tls_get_addr</c>, and the checks
/// ran on every op (is recording on? is a GEMM path forced?): 6.7% of the article's profile at stop 11.</para>
/// <para>Why it is exact: a thread that sets its own value counts itself before its next read, so it always reads its
/// own field; another thread's count only sends a reader to its own field, which holds the default.</para>
/// <para>Use: <c>value => s_count.AnySet ? t_value : default</c>, and in the setter
/// <c>s_count.Changed(wasSet, isSet)</c> before storing the value.</para>
/// </remarks>
internal struct ThreadSettingCount
{
    private int _threads;

    /// <summary>Whether any thread may hold a value other than the default.</summary>
    public readonly bool AnySet => Volatile.Read(in _threads) != 0;

    /// <summary>Records a thread's setting moving between the default and another value.</summary>
    public void Changed(bool wasSet, bool isSet)
    {
        if (isSet && !wasSet) Interlocked.Increment(ref _threads);
        else if (wasSet && !isSet) Interlocked.Decrement(ref _threads);
    }
}
