namespace Cajal.Kernels;

/// <summary>Special functions in double precision that the BCL lacks or computes inaccurately near 0.</summary>
internal static class Special
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.56418958354775628;

    /// <summary>The error function, accurate to a few ulp.</summary>
    /// <remarks>
    /// |x| &lt; 2.5: erf x = (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), a series of positive terms.
    /// Otherwise 1 − erfc(|x|) from the continued fraction, where erf is within 4e-4 of ±1.
    /// </remarks>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= 2.0 * x2 / (2 * n + 1);
                sum += term;
                if (Math.Abs(term) < 1e-17 * Math.Abs(sum)) break;
            }
            return TwoOverSqrtPi * Math.Exp(-x2) * sum;
        }
        double r = 1.0 - ErfcLarge(ax);
        return x < 0 ? -r : r;
    }

    /// <summary>The complementary error function 1 − erf(x), accurate in the tails.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        // 1 − erf(x) cancels as erf → 1 (6e-14 relative error at x = 2.4); the continued fraction is
        // accurate from x = 1 on and converges there within 200 terms.
        if (x < 1.0) return 1.0 - Erf(x);
        return ErfcLarge(x);
    }

    /// <summary>erfc(x) for x ≥ 1 by the Lentz evaluation of its continued fraction.</summary>
    private static double ErfcLarge(double x)
    {
        if (x > 27.3) return 0.0;
        // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
        const double tiny = 1e-300;
        double f = x, c = x, d = 0.0;
        for (int k = 1; k < 500; k++)
        {
            double a = k * 0.5;
            d = x + a * d;
            if (d == 0) d = tiny;
            c = x + a / c;
            if (c == 0) c = tiny;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return OneOverSqrtPi * Math.Exp(-x * x) / f;
    }

    /// <summary>eˣ − 1 without cancellation near 0 (Kahan's method).</summary>
    public static double ExpM1(double x)
    {
        if (Math.Abs(x) < 1e-5) return x + x * x * 0.5 + x * x * x / 6.0;
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        if (double.IsPositiveInfinity(u)) return u;
        return um1 * x / Math.Log(u);
    }

    /// <summary>ln(1 + x) without cancellation near 0 (Kahan's method).</summary>
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0) return x;
        if (double.IsPositiveInfinity(u)) return u;
        return Math.Log(u) * x / (u - 1.0);
    }
}
