namespace Cajal;

/// <summary>A seedable pseudo-random number generator: the only source of randomness in Cajal.</summary>
/// <remarks>
/// xoshiro256** seeded through SplitMix64. Every number it produces is computed with integer
/// arithmetic and IEEE-exact floating-point operations only (normal samples use a logarithm written
/// here, not the platform's), so a seed gives the same numbers on every machine and .NET version.
/// </remarks>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>Creates a generator from a seed.</summary>
    public Generator(ulong seed) => ManualSeed(seed);

    /// <summary>The generator used when an API is given none; seeded with 0 at start-up.</summary>
    public static Generator Default { get; } = new(0);

    /// <summary>The seed this generator was last seeded with.</summary>
    public ulong Seed { get; private set; }

    /// <summary>Re-seeds the generator, as PyTorch's <c>manual_seed</c>.</summary>
    public Generator ManualSeed(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        _spareNormal = null;
        return this;
    }

    /// <summary>The full internal state, for checkpoints; restore it with <see cref="SetState"/>.</summary>
    public ulong[] GetState()
    {
        ulong spare = _spareNormal.HasValue ? (ulong)BitConverter.DoubleToInt64Bits(_spareNormal.Value) : 0;
        return [Seed, _s0, _s1, _s2, _s3, _spareNormal.HasValue ? 1UL : 0UL, spare];
    }

    /// <summary>Restores a state captured by <see cref="GetState"/>.</summary>
    public void SetState(ulong[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 7) throw new ArgumentException($"Generator.SetState: expected 7 words, got {state.Length}.", nameof(state));
        if ((state[1] | state[2] | state[3] | state[4]) == 0) throw new ArgumentException("Generator.SetState: the all-zero state is invalid.", nameof(state));
        (Seed, _s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3], state[4]);
        _spareNormal = state[5] != 0 ? BitConverter.Int64BitsToDouble((long)state[6]) : null;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A uniform integer in [<paramref name="low"/>, <paramref name="high"/>), without modulo bias.</summary>
    public long NextInt64(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"Generator.NextInt64: empty range [{low}, {high}).");
        ulong range = (ulong)(high - low);
        // Rejection sampling: discard the top partial block of 2^64 so every residue is equally likely.
        ulong limit = ulong.MaxValue - (ulong.MaxValue % range + 1) % range;
        ulong x;
        do { x = NextUInt64(); } while (x > limit);
        return low + (long)(x % range);
    }

    /// <summary>A standard normal sample (mean 0, variance 1), by Marsaglia's polar method.</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double factor = Math.Sqrt(-2.0 * PortableLog(s) / s);   // Sqrt is IEEE-exact
        _spareNormal = v * factor;
        return u * factor;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Natural logarithm of a positive finite double using only +, −, ×, ÷ (bit-reproducible).</summary>
    /// <remarks>x = m·2^e with m in [√½, √2); ln m = 2·atanh(f), f = (m−1)/(m+1), |f| ≤ 0.172.</remarks>
    internal static double PortableLog(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF);
        if (e == 0)
        {
            // Subnormal: scale into the normal range first.
            x *= 18014398509481984.0; // 2^54
            bits = BitConverter.DoubleToInt64Bits(x);
            e = (int)((bits >> 52) & 0x7FF) - 54;
        }
        int exponent = e - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }
        double f = (m - 1.0) / (m + 1.0);
        double f2 = f * f;
        double term = f, sum = 0.0;
        for (int k = 1; k < 40; k += 2)
        {
            double add = term / k;
            sum += add;
            if (Math.Abs(add) < 1e-18 * Math.Abs(sum)) break;
            term *= f2;
        }
        const double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10;
        return exponent * ln2Hi + (2.0 * sum + exponent * ln2Lo);
    }
}
