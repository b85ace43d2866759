//! The model against the reference cases of `../shared/specs/fusion-tokamak.md`
//! (section 4; [ref] values from an independent implementation of the same
//! formulas, [pub] values from ITER and ARC publications).

use genesis_fusion::Tokamak;

/// Relative agreement within `tol`.
fn check(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        ((got - want) / want).abs() <= tol,
        "{what}: got {got}, want {want} ± {:.2} %",
        tol * 100.0
    );
}

/// ITER case B of the spec: f_rad 1, bremsstrahlung + Ar line radiation,
/// He 4 %, Be 2 %, Ar 0.12 %, without the relativistic factor.
fn iter_b() -> Tokamak {
    Tokamak {
        brems_rel: 0.0,
        ..Tokamak::default()
    }
}

/// A pure 50:50 DT plasma of volume 100 m³ (R 5, a 1, κ_a = 100/(10π²)).
fn hundred_cubic_metres(ne_avg20: f64, alpha_n: f64, alpha_t: f64) -> Tokamak {
    Tokamak {
        R: 5.0,
        a: 1.0,
        kappa_a: 100.0 / (10.0 * std::f64::consts::PI.powi(2)),
        nbar20: ne_avg20 * genesis_fusion::physics::line_over_volume(alpha_n),
        alpha_n,
        alpha_T: alpha_t,
        f_He: 0.0,
        f_Be: 0.0,
        f_Ar: 0.0,
        brems_rel: 0.0,
        ..Tokamak::default()
    }
}

#[test]
fn flat_profile_fusion_power() {
    // Spec 4.2: n_D = n_T = 0.5e20, Ti 10 keV, V 100 m³: 80.05 MW; 20 keV: 305.1 MW (tol 1e-3).
    let p = hundred_cubic_metres(1.0, 0.0, 0.0).prepare().unwrap();
    check("volume", p.volume(), 100.0, 1e-12);
    check("P_fus(10 keV)", p.state(10.0).p_fus, 80.05, 1e-3);
    let s20 = p.state(20.0);
    check("P_fus(20 keV)", s20.p_fus, 305.1, 1e-3);
    check("P_alpha", s20.p_alpha / s20.p_fus, 0.2001, 1e-3);
}

#[test]
fn bremsstrahlung_in_the_model_with_and_without_g_rel() {
    // Spec 4.11: flat n_e 1e20, Te 10 keV, Zeff 1.5 (He 25 %), V 100 m³:
    // 2.538 MW, or 2.705 MW with g_rel = 1.0657 (tol 1e-3).
    let flat = Tokamak {
        f_He: 0.25,
        ..hundred_cubic_metres(1.0, 0.0, 0.0)
    };
    let plain = flat.prepare().unwrap();
    check("Zeff", plain.zeff(), 1.5, 1e-12);
    check("P_br", plain.state(10.0).p_brems, 2.538, 1e-3);
    let rel = Tokamak {
        brems_rel: 1.0,
        ..flat
    }
    .prepare()
    .unwrap();
    check("P_br with g_rel", rel.state(10.0).p_brems, 2.705, 1e-3);
}

#[test]
fn parabolic_profile_integrals() {
    // Spec 4.3: <n_e> 1e20, α_n 0.5, <T> 10 keV, α_T 1.0, V 100 m³:
    // nbar 1.178e20, P_fus 182.7 MW (tol 0.2 %), W 57.68 MJ, P_br (Zeff 1, no g_rel) 2.153 MW.
    let t = hundred_cubic_metres(1.0, 0.5, 1.0);
    check("nbar", t.nbar20, 1.178, 5e-4);
    let p = t.prepare().unwrap();
    check("<n_e>", p.ne_avg20(), 1.0, 1e-12);
    let s = p.state(10.0);
    check("P_fus", s.p_fus, 182.7, 2e-3);
    check("W", s.w_th, 57.68, 1e-3);
    check("P_br", s.p_brems, 2.153, 2e-3);
    // The T² approximation gives 174.4 MW, about 5 % low: a sanity bound.
    assert!(s.p_fus > 174.4);
}

#[test]
fn iter_case_b_self_consistent() {
    // Spec 4.10: P_fus 524.4 ± 1 %, Q 10.49, <Te> 9.00 keV; the unstable
    // root at 2.35 keV is found and rejected.
    // The spec allows 1 %; this model agrees with the reference to 0.2 %.
    let s = iter_b().solve().unwrap();
    check("P_fus", s.state.p_fus, 524.4, 2e-3);
    check("Q", s.q, 10.49, 2e-3);
    check("T_avg", s.state.te_avg, 9.00, 1e-3);
    check("W", s.state.w_th, 344.9, 2e-3);
    check("tau_E", s.tau_e, 2.921, 2e-3);
    check("P_loss", s.state.p_loss, 118.1, 2e-3);
    check("P_br", s.state.p_brems, 21.48, 2e-3);
    check("P_line", s.state.p_line, 15.37, 3e-3);
    check("beta_N", s.beta_n, 1.747, 2e-3);
    check("Zeff", s.zeff, 1.687, 1e-3);
    let stable: Vec<_> = s.roots.iter().filter(|r| r.stable).collect();
    assert_eq!(stable.len(), 1, "{:?}", s.roots);
    let unstable: Vec<_> = s.roots.iter().filter(|r| !r.stable).collect();
    assert!(
        unstable.iter().any(|r| (r.te_avg - 2.35).abs() < 0.01),
        "{:?}",
        s.roots
    );
}

#[test]
fn iter_with_relativistic_bremsstrahlung() {
    // Issue 5: with brems_rel = 1 the same case gives about 515.1 MW and Q 10.30.
    let s = Tokamak::default().solve().unwrap();
    check("P_fus", s.state.p_fus, 515.1, 0.01);
    check("Q", s.q, 10.30, 0.01);
}

#[test]
fn iter_case_c_without_radiation_loss() {
    // Spec section 2 (C): f_rad 0, He 4 % + Be 4.75 % (Zeff 1.65):
    // <Te> 10.11, P_fus 520.8, Q 10.42, W 374.6, tau_E 2.429, beta_N 1.898.
    let t = Tokamak {
        f_rad: 0.0,
        f_Be: 0.0475,
        f_Ar: 0.0,
        ..iter_b()
    };
    let s = t.solve().unwrap();
    check("T_avg", s.state.te_avg, 10.11, 0.01);
    check("P_fus", s.state.p_fus, 520.8, 0.01);
    check("Q", s.q, 10.42, 0.01);
    check("W", s.state.w_th, 374.6, 0.01);
    check("tau_E", s.tau_e, 2.429, 0.01);
    check("beta_N", s.beta_n, 1.898, 0.01);
}

#[test]
fn iter_published_bands() {
    // Spec section 2 [pub]: q95 3.0 ± 0.05, f_G 0.85 ± 0.01, P_fus 500 ± 20 %,
    // Q 8-12.5, W 353 ± 15 %, beta_N 1.6-2.0, tau_E 2.3-4.2 s; volume 831-837 (κ_a 1.70 gives 832).
    let s = Tokamak::default().solve().unwrap();
    assert!((s.q95 - 3.0).abs() <= 0.05, "q95 {}", s.q95);
    assert!((s.f_gw - 0.85).abs() <= 0.01, "f_GW {}", s.f_gw);
    assert!(
        (s.state.p_fus - 500.0).abs() <= 100.0,
        "P_fus {}",
        s.state.p_fus
    );
    assert!((8.0..=12.5).contains(&s.q), "Q {}", s.q);
    assert!(
        (s.state.w_th - 353.0).abs() <= 0.15 * 353.0,
        "W {}",
        s.state.w_th
    );
    assert!((1.6..=2.0).contains(&s.beta_n), "beta_N {}", s.beta_n);
    assert!((2.3..=4.2).contains(&s.tau_e), "tau_E {}", s.tau_e);
    check("volume", s.volume, 832.0, 1e-3);
    // Plasma surface: published 678-683 m²; Sauter from the 95 % shape is a few % above.
    assert!(
        (670.0..=720.0).contains(&s.surface),
        "surface {}",
        s.surface
    );
    // Neutron wall load: ITER quotes an average above 0.5 MW/m².
    assert!(s.wall_load > 0.5, "wall load {}", s.wall_load);
}

/// ARC (Sorbom et al. 2015) as in the spec: V 141 m³ (κ_a 1.695), He
/// 3.75 % and C to Zeff 1.2, α_n 0.385, α_T 0.929, <n> 1.3e20.
fn arc() -> Tokamak {
    Tokamak {
        R: 3.3,
        a: 1.13,
        kappa_a: 1.695,
        kappa95: 1.84 / 1.12,
        delta95: 0.33,
        B0: 9.2,
        Ip: 7.8,
        nbar20: 1.3 * genesis_fusion::physics::line_over_volume(0.385),
        alpha_n: 0.385,
        alpha_T: 0.929,
        f_He: 0.0375,
        f_Be: 0.0,
        f_C: (1.2 - 1.075) / 30.0,
        f_Ar: 0.0,
        P_aux: 38.6,
        H98: 1.8,
        f_rad: 0.0,
        brems_rel: 0.0,
        ..Tokamak::default()
    }
}

#[test]
fn arc_forward_and_solve() {
    // Spec 4.10: forward at <T> 14 keV: P_fus 527.6 and beta_N 2.587 (tol 5 %);
    // solve with H98 1.8, P_aux 38.6, f_rad 0: <T> 13.71, P_fus 512.8, Q 13.28 (tol 15 %).
    let p = arc().prepare().unwrap();
    check("V", p.volume(), 141.0, 0.01);
    check("Zeff", p.zeff(), 1.2, 1e-9);
    let s = p.state(14.0);
    check("P_fus (forward)", s.p_fus, 527.6, 0.05);
    check("beta_N (forward)", p.beta_n(s.w_th), 2.587, 0.05);
    check("P_br (forward)", s.p_brems, 6.82, 0.02);
    // The spec allows 15 % for the solve; this model agrees to 0.2 %.
    let sol = arc().solve().unwrap();
    check("T_avg", sol.state.te_avg, 13.71, 2e-3);
    check("P_fus", sol.state.p_fus, 512.8, 2e-3);
    check("Q", sol.q, 13.28, 2e-3);
    check("tau_E", sol.tau_e, 0.959, 2e-3);
}

#[test]
fn iter_sensitivities_are_monotonic() {
    // Spec 4.10 ITER (B) sensitivities: H98 0.9 / 1.1 → 301 / 754 MW; nbar 0.9 / 1.1 → 465 / 566;
    // B0 5.0 / 5.6 → 504 / 544; Be 1 % / 3 % → 614 / 442. Trends, and values within 3 %.
    let p_fus = |t: Tokamak| t.solve().unwrap().state.p_fus;
    let base = p_fus(iter_b());
    let cases: [(&str, Tokamak, Tokamak, f64, f64); 4] = [
        (
            "H98",
            Tokamak {
                H98: 0.9,
                ..iter_b()
            },
            Tokamak {
                H98: 1.1,
                ..iter_b()
            },
            301.0,
            754.0,
        ),
        (
            "nbar",
            Tokamak {
                nbar20: 0.909,
                ..iter_b()
            },
            Tokamak {
                nbar20: 1.111,
                ..iter_b()
            },
            465.0,
            566.0,
        ),
        (
            "B0",
            Tokamak {
                B0: 5.0,
                ..iter_b()
            },
            Tokamak {
                B0: 5.6,
                ..iter_b()
            },
            504.0,
            544.0,
        ),
        (
            "Be",
            Tokamak {
                f_Be: 0.01,
                ..iter_b()
            },
            Tokamak {
                f_Be: 0.03,
                ..iter_b()
            },
            614.0,
            442.0,
        ),
    ];
    for (what, low, high, want_low, want_high) in cases {
        let (l, h) = (p_fus(low), p_fus(high));
        assert_eq!(l < base, want_low < 524.4, "{what}: {l} vs {base}");
        assert_eq!(h > base, want_high > 524.4, "{what}: {h} vs {base}");
        check(&format!("{what} low"), l, want_low, 0.03);
        check(&format!("{what} high"), h, want_high, 0.03);
    }
    // Profiles and radiation accounting: α_T 1.5 → 618 MW, α_n 0.3 → 643 MW, f_rad 0 → 687 MW.
    check(
        "alpha_T 1.5",
        p_fus(Tokamak {
            alpha_T: 1.5,
            ..iter_b()
        }),
        618.0,
        0.03,
    );
    check(
        "alpha_n 0.3",
        p_fus(Tokamak {
            alpha_n: 0.3,
            ..iter_b()
        }),
        643.0,
        0.03,
    );
    check(
        "f_rad 0",
        p_fus(Tokamak {
            f_rad: 0.0,
            ..iter_b()
        }),
        687.0,
        0.03,
    );
}

#[test]
fn no_steady_state_is_a_clear_error() {
    // Far too little confinement: no root; the error says why.
    let e = Tokamak {
        H98: 0.3,
        P_aux: 0.5,
        ..iter_b()
    }
    .solve()
    .unwrap_err();
    assert!(
        e.to_string().contains("no thermally stable steady state"),
        "{e}"
    );
    // Impurities that leave no fuel.
    let e = Tokamak {
        f_He: 0.3,
        f_Be: 0.2,
        ..iter_b()
    }
    .solve()
    .unwrap_err();
    assert!(e.to_string().contains("no fuel"), "{e}");
}

#[test]
fn q95_target_sets_the_current() {
    use genesis_core::{Inputs, Twin, Value};
    use genesis_fusion::TokamakTwin;
    let twin = TokamakTwin::new();
    let inputs = |pairs: &[(&str, f64)]| -> Inputs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::Float(*v)))
            .collect()
    };
    // ITER: q95 = 2.996 at 15 MA (spec 4.5); asking for q95 = 2.996 gives 15 MA back.
    let t = TokamakTwin::tokamak(&inputs(&[("q95_target", 2.996)])).unwrap();
    check("Ip for ITER's q95", t.Ip, 15.0, 2e-4);
    // At fixed q95 the current scales with the field.
    let out = twin
        .evaluate(&inputs(&[("q95_target", 3.0), ("B0", 6.0)]))
        .unwrap();
    check("q95 at the target", out["q95"], 3.0, 1e-12);
    let both = TokamakTwin::tokamak(&inputs(&[("q95_target", 3.0), ("Ip", 15.0)]));
    assert!(
        both.unwrap_err()
            .to_string()
            .contains("cannot be given as well")
    );
    let far = TokamakTwin::tokamak(&inputs(&[("q95_target", 0.05)]));
    assert!(far.unwrap_err().to_string().contains("outside 0.5-30 MA"));
}
