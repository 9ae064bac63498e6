"""Grid signals (issue #18): the limits, prices and carbon intensities a site's allocation
follows, from an operator's schedule, an OpenADR 3 VTN or a day-ahead price feed."""
