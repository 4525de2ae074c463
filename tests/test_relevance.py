"""The judged query sets: relevance thresholds per split and category on the real data."""

from __future__ import annotations

import pytest

from codesearch.evaluate import (SPLITS, bm25_ranker, codesearch_ranker, evaluate, failures,
                                 load_judgements)

#: (split, category) → minimum (hit@1, hit@5, MRR@10): what `codesearch eval` measured, less 0.03
#: (floored to two decimals), printed by `tools/relevance_thresholds.py`. Raise them when relevance
#: improves; never lower one to pass.
THRESHOLDS = {
    ("tuning", "abbreviation"): (0.93, 0.97, 0.94),  # measured 0.962 1.000 0.971
    ("tuning", "brand"): (0.94, 0.97, 0.95),  # measured 0.974 1.000 0.987
    ("tuning", "brand_typo"): (0.93, 0.97, 0.95),  # measured 0.963 1.000 0.981
    ("tuning", "code"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning", "icd_code"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning", "icd_plain"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning", "icd_prefix"): (0.91, 0.97, 0.93),  # measured 0.947 1.000 0.965
    ("tuning", "icd_term"): (0.94, 0.97, 0.95),  # measured 0.974 1.000 0.981
    ("tuning", "icd_typo"): (0.92, 0.97, 0.94),  # measured 0.952 1.000 0.976
    ("tuning", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning", "plain"): (0.86, 0.94, 0.90),  # measured 0.895 0.974 0.931
    ("tuning", "prefix"): (0.88, 0.94, 0.90),  # measured 0.914 0.971 0.934
    ("tuning", "overall"): (0.93, 0.96, 0.94),  # measured 0.966 0.995 0.977
    ("tuning2", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning2", "brand"): (0.87, 0.97, 0.92),  # measured 0.909 1.000 0.955
    ("tuning2", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning2", "generic"): (0.77, 0.97, 0.87),  # measured 0.800 1.000 0.900
    ("tuning2", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning2", "icd_lay"): (0.70, 0.87, 0.77),  # measured 0.700 0.900 0.790
    ("tuning2", "icd_shorthand"): (0.78, 0.87, 0.82),  # measured 0.818 0.909 0.856
    ("tuning2", "icd_term"): (0.85, 0.91, 0.89),  # measured 0.882 0.941 0.920
    ("tuning2", "icd_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning2", "intent_hcpcs"): (0.50, 0.73, 0.57),  # measured 0.538 0.769 0.608
    ("tuning2", "intent_icd"): (0.72, 0.92, 0.82),  # measured 0.750 0.950 0.850
    ("tuning2", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning2", "plain"): (0.72, 0.97, 0.84),  # measured 0.750 1.000 0.875
    ("tuning2", "prefix"): (0.72, 0.97, 0.84),  # measured 0.750 1.000 0.875
    ("tuning2", "overall"): (0.76, 0.90, 0.82),  # measured 0.799 0.931 0.858
    ("heldout", "abbreviation"): (0.83, 0.92, 0.87),  # measured 0.864 0.955 0.902
    ("heldout", "brand"): (0.88, 0.92, 0.90),  # measured 0.917 0.958 0.938
    ("heldout", "brand_typo"): (0.89, 0.97, 0.93),  # measured 0.929 1.000 0.964
    ("heldout", "code"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout", "generic"): (0.82, 0.97, 0.89),  # measured 0.857 1.000 0.929
    ("heldout", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout", "icd_code"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout", "icd_lay"): (0.74, 0.88, 0.81),  # measured 0.778 0.911 0.840
    ("heldout", "icd_prefix"): (0.84, 0.97, 0.90),  # measured 0.875 1.000 0.938
    ("heldout", "icd_shorthand"): (0.90, 0.97, 0.93),  # measured 0.936 1.000 0.961
    ("heldout", "icd_term"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout", "icd_typo"): (0.93, 0.97, 0.95),  # measured 0.963 1.000 0.981
    # hit@5 lowered 0.89 -> 0.85 with ranking.MANUAL_REFERENCED (one query out of the top 5; the blind
    # splits 26 better / 4 worse with it, hit@1, hit@5 and MRR@10 all up): see README "Relevance"
    ("heldout", "intent_hcpcs"): (0.70, 0.85, 0.78),  # measured 0.731 0.923 0.816; with it 0.731 0.885 0.797
    ("heldout", "intent_icd"): (0.85, 0.93, 0.89),  # measured 0.885 0.962 0.923
    ("heldout", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout", "plain"): (0.78, 0.90, 0.83),  # measured 0.812 0.938 0.865
    ("heldout", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout", "overall"): (0.86, 0.94, 0.89),  # measured 0.892 0.971 0.928
    ("heldout2", "abbreviation"): (0.77, 0.97, 0.85),  # measured 0.800 1.000 0.880
    ("heldout2", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    # hit@1 lowered 0.65 -> 0.61 with the "NOS" inclusion-term prior: 2 of 45 queries lost first place
    # (unread; heldout2 overall hit@1 0.683 -> 0.717, ICD-10-CM within 0.700 -> 0.733)
    ("heldout2", "icd_lay"): (0.63, 0.79, 0.71),  # measured 0.667 0.822 0.736
    ("heldout2", "icd_shorthand"): (0.62, 0.73, 0.66),  # measured 0.650 0.767 0.695
    ("heldout2", "icd_term"): (0.92, 0.97, 0.94),  # measured 0.950 1.000 0.975
    ("heldout2", "icd_typo"): (0.93, 0.93, 0.93),  # measured 0.960 0.960 0.960
    ("heldout2", "intent_hcpcs"): (0.53, 0.77, 0.62),  # measured 0.560 0.800 0.654
    ("heldout2", "intent_icd"): (0.89, 0.93, 0.91),  # measured 0.920 0.960 0.940
    ("heldout2", "plain"): (0.50, 0.57, 0.54),  # measured 0.533 0.600 0.578
    ("heldout2", "overall"): (0.71, 0.82, 0.76),  # measured 0.746 0.854 0.792
    ("heldout3", "abbreviation"): (0.63, 0.83, 0.72),  # measured 0.667 0.867 0.754
    ("heldout3", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout3", "brand_typo"): (0.77, 0.87, 0.82),  # measured 0.800 0.900 0.850
    ("heldout3", "generic"): (0.90, 0.97, 0.92),  # measured 0.933 1.000 0.950
    ("heldout3", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout3", "icd_lay"): (0.72, 0.81, 0.77),  # measured 0.756 0.844 0.801
    ("heldout3", "icd_shorthand"): (0.67, 0.83, 0.74),  # measured 0.700 0.860 0.775
    ("heldout3", "icd_term"): (0.77, 0.82, 0.78),  # measured 0.800 0.850 0.815
    ("heldout3", "icd_typo"): (0.93, 0.93, 0.93),  # measured 0.960 0.960 0.960
    ("heldout3", "intent_hcpcs"): (0.62, 0.73, 0.67),  # measured 0.654 0.769 0.707
    ("heldout3", "intent_icd"): (0.77, 0.93, 0.85),  # measured 0.800 0.960 0.880
    ("heldout3", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout3", "plain"): (0.63, 0.83, 0.72),  # measured 0.667 0.867 0.740
    ("heldout3", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout3", "overall"): (0.76, 0.86, 0.80),  # measured 0.794 0.893 0.838
    # heldout4: written blind this session, committed before its changes; set with the "NOS" prior in place
    ("heldout4", "abbreviation"): (0.63, 0.88, 0.73),  # measured 0.667 0.917 0.764
    ("heldout4", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout4", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout4", "generic"): (0.69, 0.97, 0.78),  # measured 0.727 1.000 0.814
    ("heldout4", "generic_typo"): (0.87, 0.97, 0.92),  # measured 0.900 1.000 0.950
    ("heldout4", "icd_lay"): (0.57, 0.81, 0.67),  # measured 0.606 0.848 0.709
    ("heldout4", "icd_shorthand"): (0.71, 0.78, 0.74),  # measured 0.741 0.815 0.778
    ("heldout4", "icd_term"): (0.81, 0.97, 0.88),  # measured 0.842 1.000 0.912
    ("heldout4", "icd_typo"): (0.91, 0.91, 0.91),  # measured 0.947 0.947 0.947
    ("heldout4", "intent_hcpcs"): (0.65, 0.77, 0.70),  # measured 0.680 0.800 0.738
    ("heldout4", "intent_icd"): (0.63, 0.80, 0.70),  # measured 0.667 0.833 0.736
    ("heldout4", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout4", "plain"): (0.54, 0.75, 0.66),  # measured 0.571 0.786 0.690
    ("heldout4", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout4", "overall"): (0.72, 0.86, 0.78),  # measured 0.757 0.893 0.817
    # heldout5: written blind at the start of the 2026-12-02 session, committed before its changes
    ("heldout5", "abbreviation"): (0.77, 0.77, 0.77),  # measured 0.800 0.800 0.800
    ("heldout5", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout5", "brand_typo"): (0.82, 0.97, 0.89),  # measured 0.857 1.000 0.929
    ("heldout5", "generic"): (0.77, 0.97, 0.85),  # measured 0.800 1.000 0.883
    ("heldout5", "generic_typo"): (0.87, 0.87, 0.87),  # measured 0.900 0.900 0.900
    ("heldout5", "icd_lay"): (0.70, 0.89, 0.78),  # measured 0.731 0.923 0.815
    ("heldout5", "icd_shorthand"): (0.73, 0.93, 0.81),  # measured 0.769 0.962 0.846
    ("heldout5", "icd_term"): (0.91, 0.91, 0.91),  # measured 0.941 0.941 0.941
    ("heldout5", "icd_typo"): (0.91, 0.91, 0.91),  # measured 0.947 0.947 0.947
    ("heldout5", "intent_hcpcs"): (0.47, 0.76, 0.60),  # measured 0.500 0.792 0.630
    ("heldout5", "intent_icd"): (0.50, 0.66, 0.58),  # measured 0.538 0.692 0.615
    ("heldout5", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    # hit@1 0.63 -> 0.52 and MRR@10 0.70 -> 0.66 lowered with ranking.MANUAL_REFERENCED (one query off rank 1), as above
    ("heldout5", "plain"): (0.52, 0.85, 0.66),  # measured 0.667 0.889 0.731; with it 0.556 0.889 0.694
    ("heldout5", "prefix"): (0.47, 0.97, 0.72),  # measured 0.500 1.000 0.750
    ("heldout5", "overall"): (0.72, 0.87, 0.79),  # measured 0.760 0.905 0.823
    # heldout6: written blind at the start of the second 2026-12-02 session, committed before its changes
    ("heldout6", "abbreviation"): (0.47, 0.72, 0.59),  # measured 0.500 0.750 0.625
    ("heldout6", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout6", "brand_typo"): (0.74, 0.85, 0.80),  # measured 0.778 0.889 0.833
    ("heldout6", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout6", "generic_typo"): (0.74, 0.97, 0.82),  # measured 0.778 1.000 0.856
    ("heldout6", "icd_lay"): (0.57, 0.75, 0.67),  # measured 0.609 0.783 0.701
    ("heldout6", "icd_shorthand"): (0.65, 0.83, 0.72),  # measured 0.690 0.862 0.750
    ("heldout6", "icd_term"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout6", "icd_typo"): (0.84, 0.97, 0.88),  # measured 0.875 1.000 0.919
    ("heldout6", "intent_hcpcs"): (0.33, 0.49, 0.40),  # measured 0.360 0.520 0.438
    ("heldout6", "intent_icd"): (0.47, 0.72, 0.60),  # measured 0.500 0.750 0.637
    ("heldout6", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout6", "plain"): (0.68, 0.82, 0.75),  # measured 0.714 0.857 0.786
    ("heldout6", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout6", "overall"): (0.67, 0.81, 0.73),  # measured 0.704 0.840 0.765
    # heldout7: written blind at the start of the third 2026-12-02 session, committed before its changes
    ("heldout7", "abbreviation"): (0.63, 0.80, 0.72),  # measured 0.667 0.833 0.750
    ("heldout7", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout7", "brand_typo"): (0.84, 0.97, 0.90),  # measured 0.875 1.000 0.938
    ("heldout7", "generic"): (0.68, 0.97, 0.82),  # measured 0.714 1.000 0.857
    ("heldout7", "generic_typo"): (0.82, 0.97, 0.89),  # measured 0.857 1.000 0.929
    ("heldout7", "icd_lay"): (0.64, 0.79, 0.71),  # measured 0.679 0.821 0.749
    ("heldout7", "icd_shorthand"): (0.61, 0.74, 0.67),  # measured 0.645 0.774 0.707
    ("heldout7", "icd_term"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout7", "icd_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout7", "intent_hcpcs"): (0.51, 0.83, 0.66),  # measured 0.545 0.864 0.693
    ("heldout7", "intent_icd"): (0.72, 0.97, 0.84),  # measured 0.750 1.000 0.875
    ("heldout7", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout7", "plain"): (0.41, 0.74, 0.56),  # measured 0.444 0.778 0.592
    ("heldout7", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout7", "overall"): (0.72, 0.86, 0.78),  # measured 0.751 0.893 0.819
    # heldout8: written blind at the start of the fourth 2026-12-02 session, committed before its changes
    ("heldout8", "abbreviation"): (0.77, 0.97, 0.87),  # measured 0.800 1.000 0.900
    ("heldout8", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout8", "brand_typo"): (0.84, 0.97, 0.90),  # measured 0.875 1.000 0.938
    ("heldout8", "generic"): (0.84, 0.97, 0.88),  # measured 0.875 1.000 0.917
    ("heldout8", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout8", "icd_lay"): (0.80, 0.88, 0.85),  # measured 0.833 0.917 0.880
    ("heldout8", "icd_shorthand"): (0.82, 0.89, 0.85),  # measured 0.852 0.926 0.883
    ("heldout8", "icd_term"): (0.85, 0.85, 0.85),  # measured 0.889 0.889 0.889
    ("heldout8", "icd_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout8", "intent_hcpcs"): (0.40, 0.57, 0.50),  # measured 0.435 0.609 0.534
    ("heldout8", "intent_icd"): (0.19, 0.41, 0.31),  # measured 0.222 0.444 0.344
    ("heldout8", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout8", "plain"): (0.57, 0.77, 0.61),  # measured 0.600 0.800 0.640
    ("heldout8", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout8", "overall"): (0.75, 0.84, 0.79),  # measured 0.788 0.873 0.830
    # heldout9: written blind at the start of the fifth 2026-12-02 session, committed before its changes
    ("heldout9", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout9", "brand_typo"): (0.85, 0.97, 0.91),  # measured 0.889 1.000 0.944
    ("heldout9", "generic"): (0.82, 0.97, 0.87),  # measured 0.857 1.000 0.905
    ("heldout9", "generic_typo"): (0.87, 0.87, 0.87),  # measured 0.900 0.900 0.900
    ("heldout9", "icd_lay"): (0.65, 0.77, 0.71),  # measured 0.680 0.800 0.740
    ("heldout9", "icd_shorthand"): (0.77, 0.97, 0.84),  # measured 0.810 1.000 0.877
    ("heldout9", "icd_term"): (0.75, 0.86, 0.79),  # measured 0.789 0.895 0.825
    ("heldout9", "icd_typo"): (0.82, 0.92, 0.85),  # measured 0.850 0.950 0.885
    ("heldout9", "intent_hcpcs"): (0.51, 0.74, 0.60),  # measured 0.545 0.773 0.634
    ("heldout9", "intent_icd"): (0.38, 0.80, 0.55),  # measured 0.417 0.833 0.583
    ("heldout9", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout9", "plain"): (0.30, 0.80, 0.52),  # measured 0.333 0.833 0.556
    ("heldout9", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout9", "overall"): (0.71, 0.86, 0.77),  # measured 0.744 0.899 0.806
    # heldout10: written blind at the start of the sixth 2026-12-02 session, committed before its changes
    ("heldout10", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout10", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout10", "brand_typo"): (0.84, 0.97, 0.90),  # measured 0.875 1.000 0.938
    ("heldout10", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout10", "generic_typo"): (0.85, 0.97, 0.91),  # measured 0.889 1.000 0.944
    ("heldout10", "icd_lay"): (0.62, 0.88, 0.75),  # measured 0.652 0.913 0.783
    ("heldout10", "icd_shorthand"): (0.75, 0.86, 0.79),  # measured 0.786 0.893 0.824
    ("heldout10", "icd_term"): (0.81, 0.97, 0.87),  # measured 0.846 1.000 0.904
    ("heldout10", "icd_typo"): (0.91, 0.97, 0.92),  # measured 0.941 1.000 0.953
    ("heldout10", "intent_hcpcs"): (0.49, 0.62, 0.53),  # measured 0.522 0.652 0.568
    ("heldout10", "intent_icd"): (0.80, 0.97, 0.88),  # measured 0.833 1.000 0.917
    ("heldout10", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout10", "plain"): (0.82, 0.97, 0.89),  # measured 0.857 1.000 0.929
    ("heldout10", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout10", "overall"): (0.77, 0.89, 0.82),  # measured 0.805 0.921 0.854
    # heldout11: written blind at the start of the seventh 2026-12-02 session, committed before its changes
    ("heldout11", "abbreviation"): (0.63, 0.97, 0.80),  # measured 0.667 1.000 0.833
    ("heldout11", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout11", "brand_typo"): (0.85, 0.85, 0.85),  # measured 0.889 0.889 0.889
    ("heldout11", "generic"): (0.87, 0.97, 0.92),  # measured 0.900 1.000 0.950
    ("heldout11", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout11", "icd_lay"): (0.52, 0.62, 0.57),  # measured 0.550 0.650 0.607
    ("heldout11", "icd_shorthand"): (0.69, 0.83, 0.75),  # measured 0.724 0.862 0.782
    ("heldout11", "icd_term"): (0.85, 0.91, 0.87),  # measured 0.882 0.941 0.902
    ("heldout11", "icd_typo"): (0.91, 0.91, 0.92),  # measured 0.944 0.944 0.952
    ("heldout11", "intent_hcpcs"): (0.62, 0.87, 0.72),  # measured 0.650 0.900 0.758
    ("heldout11", "intent_icd"): (0.59, 0.84, 0.69),  # measured 0.625 0.875 0.729
    ("heldout11", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout11", "plain"): (0.54, 0.68, 0.61),  # measured 0.571 0.714 0.643
    ("heldout11", "prefix"): (0.30, 0.97, 0.63),  # measured 0.333 1.000 0.667
    ("heldout11", "overall"): (0.73, 0.85, 0.78),  # measured 0.762 0.881 0.817
    # heldout12: written blind at the start of the eighth 2026-12-02 session, committed before its changes
    ("heldout12", "abbreviation"): (0.84, 0.84, 0.84),  # measured 0.875 0.875 0.875
    ("heldout12", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout12", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout12", "generic"): (0.74, 0.85, 0.81),  # measured 0.778 0.889 0.846
    ("heldout12", "generic_typo"): (0.77, 0.97, 0.87),  # measured 0.800 1.000 0.900
    ("heldout12", "icd_lay"): (0.68, 0.82, 0.74),  # measured 0.714 0.857 0.771
    ("heldout12", "icd_shorthand"): (0.84, 0.92, 0.87),  # measured 0.875 0.958 0.910
    ("heldout12", "icd_term"): (0.91, 0.91, 0.91),  # measured 0.944 0.944 0.944
    ("heldout12", "icd_typo"): (0.91, 0.91, 0.91),  # measured 0.947 0.947 0.947
    ("heldout12", "intent_hcpcs"): (0.39, 0.60, 0.47),  # measured 0.421 0.632 0.501
    ("heldout12", "intent_icd"): (0.55, 0.80, 0.66),  # measured 0.583 0.833 0.694
    ("heldout12", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout12", "plain"): (0.68, 0.97, 0.82),  # measured 0.714 1.000 0.857
    ("heldout12", "prefix"): (0.77, 0.97, 0.87),  # measured 0.800 1.000 0.900
    ("heldout12", "overall"): (0.76, 0.87, 0.81),  # measured 0.794 0.900 0.841
    # heldout13: written blind at the start of the 2026-12-03 session, committed before its changes
    ("heldout13", "abbreviation"): (0.63, 0.97, 0.70),  # measured 0.667 1.000 0.733
    ("heldout13", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout13", "brand_typo"): (0.84, 0.97, 0.90),  # measured 0.875 1.000 0.938
    ("heldout13", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout13", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout13", "icd_lay"): (0.70, 0.92, 0.80),  # measured 0.739 0.957 0.835
    ("heldout13", "icd_shorthand"): (0.63, 0.89, 0.73),  # measured 0.667 0.926 0.764
    ("heldout13", "icd_term"): (0.78, 0.84, 0.81),  # measured 0.812 0.875 0.844
    ("heldout13", "icd_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout13", "intent_hcpcs"): (0.47, 0.57, 0.53),  # measured 0.500 0.600 0.561
    ("heldout13", "intent_icd"): (0.84, 0.97, 0.90),  # measured 0.875 1.000 0.938
    ("heldout13", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout13", "plain"): (0.59, 0.84, 0.68),  # measured 0.625 0.875 0.719
    ("heldout13", "prefix"): (0.47, 0.97, 0.72),  # measured 0.500 1.000 0.750
    ("heldout13", "overall"): (0.74, 0.88, 0.80),  # measured 0.772 0.911 0.832
    # heldout14: written blind at the start of the second 2026-12-03 session, committed before its changes
    ("heldout14", "abbreviation"): (0.77, 0.77, 0.77),  # measured 0.800 0.800 0.800
    ("heldout14", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout14", "brand_typo"): (0.77, 0.87, 0.82),  # measured 0.800 0.900 0.850
    ("heldout14", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout14", "generic_typo"): (0.87, 0.97, 0.92),  # measured 0.900 1.000 0.950
    ("heldout14", "icd_lay"): (0.54, 0.75, 0.66),  # measured 0.579 0.789 0.692
    ("heldout14", "icd_shorthand"): (0.62, 0.85, 0.72),  # measured 0.654 0.885 0.753
    ("heldout14", "icd_term"): (0.85, 0.85, 0.86),  # measured 0.889 0.889 0.897
    ("heldout14", "icd_typo"): (0.92, 0.97, 0.93),  # measured 0.950 1.000 0.960
    ("heldout14", "intent_hcpcs"): (0.58, 0.87, 0.72),  # measured 0.619 0.905 0.750
    ("heldout14", "intent_icd"): (0.51, 0.78, 0.65),  # measured 0.545 0.818 0.682
    ("heldout14", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout14", "plain"): (0.47, 0.80, 0.66),  # measured 0.500 0.833 0.690
    ("heldout14", "prefix"): (0.72, 0.97, 0.84),  # measured 0.750 1.000 0.875
    ("heldout14", "overall"): (0.72, 0.87, 0.79),  # measured 0.753 0.904 0.825
    # heldout15: written blind at the start of the session of 2026-12-03 (third), committed before its changes
    ("heldout15", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "icd_lay"): (0.67, 0.82, 0.75),  # measured 0.700 0.850 0.782
    ("heldout15", "icd_shorthand"): (0.70, 0.79, 0.75),  # measured 0.739 0.826 0.782
    ("heldout15", "icd_term"): (0.91, 0.97, 0.94),  # measured 0.941 1.000 0.971
    ("heldout15", "icd_typo"): (0.90, 0.97, 0.92),  # measured 0.938 1.000 0.950
    ("heldout15", "intent_hcpcs"): (0.52, 0.82, 0.66),  # measured 0.550 0.850 0.693
    ("heldout15", "intent_icd"): (0.38, 0.38, 0.39),  # measured 0.417 0.417 0.425
    ("heldout15", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "plain"): (0.47, 0.97, 0.72),  # measured 0.500 1.000 0.750
    ("heldout15", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout15", "overall"): (0.76, 0.86, 0.81),  # measured 0.798 0.896 0.845
    # heldout16: written blind at the start of the session of 2026-12-03 (fourth), committed before its changes
    ("heldout16", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout16", "brand_typo"): (0.84, 0.84, 0.84),  # measured 0.875 0.875 0.875
    ("heldout16", "generic"): (0.82, 0.97, 0.89),  # measured 0.857 1.000 0.929
    ("heldout16", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout16", "icd_lay"): (0.68, 0.82, 0.76),  # measured 0.714 0.857 0.793
    ("heldout16", "icd_shorthand"): (0.72, 0.88, 0.77),  # measured 0.750 0.917 0.806
    ("heldout16", "icd_term"): (0.86, 0.86, 0.86),  # measured 0.895 0.895 0.895
    ("heldout16", "icd_typo"): (0.91, 0.91, 0.91),  # measured 0.941 0.941 0.949
    ("heldout16", "intent_hcpcs"): (0.39, 0.70, 0.54),  # measured 0.421 0.737 0.574
    ("heldout16", "intent_icd"): (0.47, 0.61, 0.52),  # measured 0.500 0.643 0.550
    ("heldout16", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout16", "plain"): (0.59, 0.84, 0.69),  # measured 0.625 0.875 0.729
    ("heldout16", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout16", "overall"): (0.72, 0.84, 0.77),  # measured 0.758 0.873 0.809
    # heldout17: written blind at the start of the session of 2026-12-03 (fifth), committed before its changes
    ("heldout17", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout17", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout17", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout17", "generic"): (0.72, 0.97, 0.84),  # measured 0.750 1.000 0.875
    ("heldout17", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout17", "icd_lay"): (0.63, 0.91, 0.76),  # measured 0.667 0.944 0.796
    ("heldout17", "icd_shorthand"): (0.65, 0.83, 0.72),  # measured 0.682 0.864 0.752
    ("heldout17", "icd_term"): (0.85, 0.97, 0.90),  # measured 0.889 1.000 0.931
    ("heldout17", "icd_typo"): (0.90, 0.97, 0.93),  # measured 0.933 1.000 0.967
    ("heldout17", "intent_hcpcs"): (0.44, 0.58, 0.54),  # measured 0.476 0.619 0.579
    ("heldout17", "intent_icd"): (0.57, 0.67, 0.61),  # measured 0.600 0.700 0.644
    ("heldout17", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout17", "plain"): (0.47, 0.84, 0.65),  # measured 0.500 0.875 0.688
    ("heldout17", "prefix"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout17", "overall"): (0.72, 0.86, 0.79),  # measured 0.760 0.896 0.826
    # heldout18: written blind at the start of the session of 2026-12-03 (sixth), committed before its changes
    ("heldout18", "abbreviation"): (0.68, 0.82, 0.72),  # measured 0.714 0.857 0.750
    ("heldout18", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout18", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout18", "generic"): (0.63, 0.97, 0.80),  # measured 0.667 1.000 0.833
    ("heldout18", "generic_typo"): (0.63, 0.85, 0.74),  # measured 0.667 0.889 0.778
    ("heldout18", "icd_lay"): (0.66, 0.77, 0.71),  # measured 0.694 0.806 0.744
    ("heldout18", "icd_shorthand"): (0.43, 0.66, 0.52),  # measured 0.462 0.692 0.554
    ("heldout18", "icd_term"): (0.91, 0.97, 0.93),  # measured 0.941 1.000 0.961
    ("heldout18", "icd_typo"): (0.90, 0.90, 0.90),  # measured 0.933 0.933 0.933
    ("heldout18", "intent_hcpcs"): (0.53, 0.79, 0.64),  # measured 0.565 0.826 0.676
    ("heldout18", "intent_icd"): (0.63, 0.97, 0.77),  # measured 0.667 1.000 0.806
    ("heldout18", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout18", "plain"): (0.59, 0.72, 0.65),  # measured 0.625 0.750 0.688
    ("heldout18", "prefix"): (0.63, 0.97, 0.80),  # measured 0.667 1.000 0.833
    ("heldout18", "overall"): (0.67, 0.83, 0.74),  # measured 0.707 0.862 0.774
    # heldout19: written blind at the start of the session of 2026-12-03 (seventh), committed before its changes
    ("heldout19", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout19", "brand_typo"): (0.74, 0.85, 0.80),  # measured 0.778 0.889 0.833
    ("heldout19", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout19", "generic_typo"): (0.74, 0.85, 0.80),  # measured 0.778 0.889 0.833
    ("heldout19", "icd_lay"): (0.74, 0.85, 0.81),  # measured 0.778 0.889 0.841
    ("heldout19", "icd_shorthand"): (0.81, 0.93, 0.86),  # measured 0.846 0.962 0.891
    ("heldout19", "icd_term"): (0.84, 0.90, 0.87),  # measured 0.875 0.938 0.906
    ("heldout19", "icd_typo"): (0.78, 0.90, 0.82),  # measured 0.812 0.938 0.856
    ("heldout19", "intent_hcpcs"): (0.65, 0.84, 0.75),  # measured 0.688 0.875 0.781
    ("heldout19", "intent_icd"): (0.80, 0.97, 0.88),  # measured 0.833 1.000 0.917
    ("heldout19", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout19", "plain"): (0.34, 0.72, 0.53),  # measured 0.375 0.750 0.562
    ("heldout19", "prefix"): (0.63, 0.97, 0.80),  # measured 0.667 1.000 0.833
    ("heldout19", "overall"): (0.76, 0.89, 0.82),  # measured 0.797 0.923 0.857
    # heldout20: written blind at the start of the session of 2026-12-04, committed before its changes
    ("heldout20", "abbreviation"): (0.77, 0.77, 0.77),  # measured 0.800 0.800 0.800
    ("heldout20", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout20", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout20", "generic"): (0.89, 0.97, 0.93),  # measured 0.929 1.000 0.964
    ("heldout20", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout20", "icd_lay"): (0.52, 0.57, 0.56),  # measured 0.550 0.600 0.596
    ("heldout20", "icd_shorthand"): (0.59, 0.86, 0.70),  # measured 0.621 0.897 0.736
    ("heldout20", "icd_term"): (0.90, 0.97, 0.93),  # measured 0.933 1.000 0.967
    ("heldout20", "icd_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout20", "intent_hcpcs"): (0.56, 0.74, 0.63),  # measured 0.591 0.773 0.669
    ("heldout20", "intent_icd"): (0.57, 0.77, 0.67),  # measured 0.600 0.800 0.700
    ("heldout20", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout20", "plain"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("heldout20", "prefix"): (0.77, 0.97, 0.87),  # measured 0.800 1.000 0.900
    ("heldout20", "overall"): (0.74, 0.85, 0.79),  # measured 0.778 0.886 0.829
    # tuning3: written blind at the third 2026-12-02 session, then read and tuned on
    ("tuning3", "icd_lay"): (0.41, 0.69, 0.51),  # measured 0.444 0.722 0.548
    ("tuning3", "icd_shorthand"): (0.41, 0.59, 0.49),  # measured 0.444 0.630 0.523
    ("tuning3", "intent_hcpcs"): (0.39, 0.57, 0.47),  # measured 0.421 0.605 0.501
    ("tuning3", "intent_icd"): (0.11, 0.39, 0.21),  # measured 0.143 0.429 0.243
    ("tuning3", "plain"): (0.49, 0.87, 0.66),  # measured 0.524 0.905 0.694
    ("tuning3", "overall"): (0.40, 0.64, 0.50),  # measured 0.432 0.676 0.534
    # tuning4: written blind at the third 2026-12-02 session, then read and tuned on
    ("tuning4", "abbreviation"): (0.77, 0.77, 0.77),  # measured 0.800 0.800 0.800
    ("tuning4", "generic"): (0.75, 0.97, 0.84),  # measured 0.786 1.000 0.871
    ("tuning4", "icd_lay"): (0.63, 0.97, 0.72),  # measured 0.667 1.000 0.756
    ("tuning4", "icd_shorthand"): (0.37, 0.72, 0.49),  # measured 0.400 0.750 0.527
    ("tuning4", "intent_hcpcs"): (0.38, 0.67, 0.46),  # measured 0.412 0.706 0.497
    ("tuning4", "plain"): (0.49, 0.70, 0.59),  # measured 0.526 0.737 0.629
    ("tuning4", "overall"): (0.51, 0.77, 0.60),  # measured 0.543 0.802 0.638
    # tuning5: written blind at the sixth 2026-12-02 session (rows equal to a held-out query dropped unread), then read
    ("tuning5", "icd_lay"): (0.78, 0.87, 0.83),  # measured 0.818 0.909 0.864
    ("tuning5", "icd_shorthand"): (0.63, 0.97, 0.80),  # measured 0.667 1.000 0.833
    ("tuning5", "intent_hcpcs"): (0.66, 0.81, 0.73),  # measured 0.697 0.848 0.762
    ("tuning5", "intent_icd"): (0.39, 0.82, 0.57),  # measured 0.429 0.857 0.600
    ("tuning5", "plain"): (0.57, 0.77, 0.66),  # measured 0.600 0.800 0.691
    ("tuning5", "overall"): (0.63, 0.82, 0.71),  # measured 0.667 0.855 0.750
    # tuning6: written blind at the seventh 2026-12-02 session (rows equal to a held-out query dropped unread), then read
    ("tuning6", "icd_lay"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning6", "icd_shorthand"): (0.58, 0.66, 0.63),  # measured 0.615 0.692 0.662
    ("tuning6", "intent_hcpcs"): (0.59, 0.79, 0.68),  # measured 0.629 0.829 0.717
    ("tuning6", "intent_icd"): (0.41, 0.63, 0.52),  # measured 0.444 0.667 0.556
    ("tuning6", "plain"): (0.35, 0.69, 0.50),  # measured 0.389 0.722 0.538
    ("tuning6", "overall"): (0.55, 0.75, 0.64),  # measured 0.585 0.780 0.675
    # tuning7: written blind at the eighth 2026-12-02 session (rows equal to a held-out query dropped unread), then read
    ("tuning7", "brand"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning7", "generic"): (0.63, 0.63, 0.63),  # measured 0.667 0.667 0.667
    ("tuning7", "icd_lay"): (0.51, 0.69, 0.60),  # measured 0.545 0.727 0.636
    ("tuning7", "icd_term"): (0.77, 0.77, 0.78),  # measured 0.800 0.800 0.810
    ("tuning7", "intent_hcpcs"): (0.72, 0.82, 0.77),  # measured 0.750 0.850 0.804
    ("tuning7", "plain"): (0.28, 0.53, 0.43),  # measured 0.312 0.562 0.465
    ("tuning7", "overall"): (0.57, 0.70, 0.65),  # measured 0.607 0.738 0.682
    # tuning8: written blind at the 2026-12-03 session (rows equal to a held-out query dropped unread), then read
    ("tuning8", "icd_lay"): (0.47, 0.47, 0.47),  # measured 0.500 0.500 0.500
    ("tuning8", "icd_shorthand"): (0.47, 0.72, 0.59),  # measured 0.500 0.750 0.625
    ("tuning8", "intent_hcpcs"): (0.60, 0.87, 0.71),  # measured 0.633 0.900 0.744
    ("tuning8", "intent_icd"): (0.34, 0.48, 0.41),  # measured 0.370 0.519 0.448
    ("tuning8", "plain"): (0.63, 0.90, 0.74),  # measured 0.667 0.933 0.778
    ("tuning8", "overall"): (0.50, 0.72, 0.60),  # measured 0.538 0.756 0.636
    # tuning9: written blind in the middle of the 2026-12-03 session (rows equal to a held-out query dropped unread), then read
    ("tuning9", "intent_hcpcs"): (0.42, 0.58, 0.49),  # measured 0.451 0.620 0.524
    ("tuning9", "intent_icd"): (0.54, 0.70, 0.62),  # measured 0.579 0.737 0.658
    ("tuning9", "overall"): (0.44, 0.61, 0.52),  # measured 0.478 0.644 0.552
    # tuning10: written blind at the start of the second 2026-12-03 session (rows equal to a held-out query dropped unread), then read
    ("tuning10", "intent_hcpcs"): (0.35, 0.47, 0.42),  # measured 0.390 0.508 0.452
    ("tuning10", "intent_icd"): (0.19, 0.32, 0.24),  # measured 0.220 0.356 0.278
    ("tuning10", "overall"): (0.27, 0.40, 0.33),  # measured 0.305 0.432 0.365
    # tuning11: written blind at the start of the third 2026-12-03 session (rows equal to a held-out query dropped unread), then read
    ("tuning11", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning11", "intent_hcpcs"): (0.52, 0.62, 0.58),  # measured 0.550 0.650 0.617
    ("tuning11", "intent_icd"): (0.68, 0.82, 0.75),  # measured 0.714 0.857 0.786
    ("tuning11", "plain"): (0.55, 0.80, 0.69),  # measured 0.583 0.833 0.720
    ("tuning11", "overall"): (0.59, 0.73, 0.67),  # measured 0.628 0.767 0.709
    # tuning12: written blind during the session of 2026-12-03 (sixth), to be read
    ("tuning12", "abbreviation"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning12", "brand_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning12", "generic"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning12", "generic_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning12", "icd_lay"): (0.17, 0.17, 0.20),  # measured 0.200 0.200 0.233
    ("tuning12", "icd_shorthand"): (0.47, 0.63, 0.54),  # measured 0.500 0.667 0.576
    ("tuning12", "icd_term"): (0.74, 0.97, 0.85),  # measured 0.778 1.000 0.889
    ("tuning12", "icd_typo"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning12", "intent_hcpcs"): (0.38, 0.72, 0.50),  # measured 0.417 0.750 0.537
    ("tuning12", "intent_icd"): (0.00, 0.97, 0.47),  # measured 0.000 1.000 0.500
    ("tuning12", "ndc"): (0.97, 0.97, 0.97),  # measured 1.000 1.000 1.000
    ("tuning12", "plain"): (0.00, 0.47, 0.22),  # measured 0.000 0.500 0.250
    ("tuning12", "prefix"): (0.47, 0.97, 0.72),  # measured 0.500 1.000 0.750
    ("tuning12", "overall"): (0.63, 0.80, 0.70),  # measured 0.661 0.831 0.739
}


#: Query kinds that name one code exactly: it must be the first result.
EXACT_CATEGORIES = ("code", "icd_code", "ndc")


def test_suite_is_large_and_covers_categories():
    """Both splits are present, with the tuning categories and at least 300 held-out queries."""
    tuning = load_judgements(split="tuning")
    heldout = load_judgements(split="heldout")
    assert len(tuning) >= 350 and len(heldout) >= 300
    cats = {j.category for j in tuning}
    assert {"brand", "brand_typo", "generic", "generic_typo", "abbreviation", "plain", "code", "ndc", "prefix"} <= cats
    assert {j.system for j in heldout} == {None, "ICD10CM"}  # any.tsv searches every system


def test_load_judgements_reads_splits_and_systems(tmp_path):
    """A file's folder is its split and its name its system; any.tsv searches every system."""
    for split, name in (("tuning", "hcpcs.tsv"), ("heldout", "any.tsv"), ("heldout", "icd10cm.tsv")):
        (tmp_path / split).mkdir(exist_ok=True)
        (tmp_path / split / name).write_text("category\tquery\trelevant\n# a comment\nx\tq\tJ1568\n", encoding="utf-8")
    got = {(j.split, j.system) for j in load_judgements([tmp_path])}
    assert got == {("tuning", "HCPCS"), ("heldout", None), ("heldout", "ICD10CM")}
    assert {j.split for j in load_judgements([tmp_path], split="heldout")} == {"heldout"}
    with pytest.raises(ValueError):
        load_judgements([tmp_path], split="dev")


@pytest.fixture(scope="module")
def measured(real_index):
    """Metrics per (split, category), measured once."""
    out = {}
    for split in SPLITS:
        for cat, m in evaluate(load_judgements(split=split), codesearch_ranker(real_index)).items():
            out[(split, cat)] = m
    return out


@pytest.mark.parametrize("key", sorted(THRESHOLDS))
def test_relevance_thresholds(key, measured, real_index):
    """hit@1, hit@5 and MRR@10 of each split and category stay at or above what was measured."""
    low1, low5, low_mrr = THRESHOLDS[key]
    m = measured[key]
    if m.hit1 < low1 or m.hit5 < low5 or m.mrr10 < low_mrr:
        split, cat = key
        got = (round(m.hit1, 3), round(m.hit5, 3), round(m.mrr10, 3))
        judged = [j for j in load_judgements(split=split) if cat == "overall" or j.category == cat]
        missed = failures(judged, codesearch_ranker(real_index), k=1)
        if split.startswith("heldout"):
            # A held-out split's queries are never read by those changing the engine: its
            # misses are named by their place in the split, not by what they say.
            place = {id(j): n for n, j in enumerate(judged, start=1)}
            misses = "\n".join(f"#{place[id(j)]} rank={r}" for j, r, _ in missed)
        else:
            misses = "\n".join(f"{j.query!r} rank={r} got={g}" for j, r, g in missed)
        pytest.fail(f"{key}: measured {got}, thresholds {(low1, low5, low_mrr)}\n{misses}")


def test_every_measured_category_has_thresholds(measured):
    """No split or category goes unguarded."""
    assert set(measured) == set(THRESHOLDS)


def test_typed_codes_and_ndcs_are_first(real_index):
    """Every judged code, ICD-10-CM code and NDC query has a relevant code at rank 1."""
    judged = [j for j in load_judgements() if j.category in EXACT_CATEGORIES]
    assert len(judged) >= 50
    wrong = [(j.query, r, g) for j, r, g in failures(judged, codesearch_ranker(real_index), k=1)]
    assert not wrong


@pytest.mark.parametrize("split", SPLITS)
def test_beats_plain_bm25(split, real_index):
    """Expansion beats a plain BM25 search over descriptors on overall MRR@10, in both splits."""
    judgements = load_judgements(split=split)
    ours = evaluate(judgements, codesearch_ranker(real_index))["overall"]
    base = evaluate(judgements, bm25_ranker(real_index))["overall"]
    assert ours.mrr10 > base.mrr10 + 0.3
