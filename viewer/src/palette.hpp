// Incident colours by category family and marker sizes by severity (assets/palette.toml).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

class Palette {
  public:
    // Parses palette TOML text; `origin` names it in error messages.
    static Result<Palette> parse(std::string_view toml_text, std::string_view origin);
    // The palette compiled into the binary from assets/palette.toml.
    static Palette built_in();

    // "police.theft" -> the colour of family "police"; unknown families get `other`.
    Rgba category_color(std::string_view category) const;
    Rgba family_color(std::string_view family) const;
    // Marker diameter in pixels.
    float marker_size(Severity severity) const;
    Rgba marker_outline() const { return outline_; }
    // Families in the file's order, for the legend.
    const std::vector<std::pair<std::string, Rgba>>& families() const { return families_; }
    // Its label in the wall's language (label, or label_en on an English wall).
    std::string_view family_label(std::string_view family) const;

  private:
    std::vector<std::pair<std::string, Rgba>> families_;
    struct Label {
        std::string family, label, label_en;
    };
    std::vector<Label> labels_;
    Rgba other_{0.6f, 0.6f, 0.6f, 1.0f};
    Rgba outline_{0.02f, 0.03f, 0.05f, 0.95f};
    std::array<float, 4> sizes_ = {22.0f, 17.0f, 13.0f, 10.0f};
};

// "police.theft" -> "police".
std::string_view category_family(std::string_view category);

}  // namespace citywall::viewer
