// How the polygon layers nest.
//
//   1. Measuring one pair: code prefixes, interior points, areas
//   2. Choosing each layer's parent
//   3. Naming the hierarchies
//
// An interior point alone says little: any layer of small areas has its points inside a coarser
// layer that covers the city, whether or not its areas follow that layer's borders (police beats
// drawn across districts do not). So a feature is held by a parent only when its interior point
// lies in exactly one parent feature and most of its area (kHeldArea) lies in that one too.
#include "nesting.hpp"

#include <ogr_api.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "report_text.hpp"

namespace citywall::city {

namespace {

// ---------------------------------------------------------------------------------------------
// 1. Measuring one pair: code prefixes, interior points, areas

// Where one child feature sits in one parent layer.
struct Fit {
    int hits = 0;            // parent features that hold its interior point
    int point_parent = -1;   // the one, when hits == 1
    bool held = false;       // …and it holds kHeldArea of the feature's area
    int prefix_parent = -1;  // the parent whose code is the longest prefix of its code
};

struct PairFits {
    Nesting nesting;
    std::vector<Fit> fits;
};

OGRGeometryH handle(const OGRGeometry& geometry) {
    return OGRGeometry::ToHandle(const_cast<OGRGeometry*>(&geometry));
}

// A parent layer's geometries, prepared for many point and polygon tests as they are first
// needed.
class PreparedLayer {
  public:
    explicit PreparedLayer(const std::vector<AreaShape>& shapes)
        : shapes_(&shapes), prepared_(shapes.size()) {}

    bool contains(std::size_t k, const OGRGeometry& geometry) {
        if (!prepared_[k])
            prepared_[k].reset(OGRCreatePreparedGeometry(handle(*(*shapes_)[k].geometry)));
        if (!prepared_[k]) return (*shapes_)[k].geometry->Contains(&geometry);
        return OGRPreparedGeometryContains(prepared_[k].get(), handle(geometry)) != 0;
    }

  private:
    const std::vector<AreaShape>* shapes_;
    std::vector<OGRPreparedGeometryUniquePtr> prepared_;
};

class CodeIndex {
  public:
    // `strip_zeros`: index each code with its trailing zeros dropped (440000 → 44).
    CodeIndex(const std::vector<AreaShape>& shapes, bool strip_zeros) {
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            std::string code = shapes[k].code;
            if (strip_zeros)
                while (!code.empty() && code.back() == '0')
                    code.pop_back();
            if (code.empty()) continue;
            codes_.emplace(code, static_cast<int>(k));
            lengths_.insert(code.size());
        }
    }
    // The parent feature whose code is the longest proper prefix of `code`, or -1.
    int parent_of(const std::string& code) const {
        for (std::size_t length : lengths_) {
            if (length >= code.size()) continue;
            auto found = codes_.find(code.substr(0, length));
            if (found != codes_.end()) return found->second;
        }
        return -1;
    }

  private:
    std::unordered_map<std::string, int> codes_;
    std::set<std::size_t, std::greater<>> lengths_;
};

double share(std::size_t part, std::size_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

PairFits measure(const CityCheck& check, std::size_t child, std::size_t parent,
                 const std::vector<AreaShape>& kids, const std::vector<AreaShape>& parents,
                 const std::vector<std::unique_ptr<OGRGeometry>>& interior_points,
                 PreparedLayer& prepared) {
    PairFits out;
    out.nesting.child = child;
    out.nesting.parent = parent;
    out.nesting.codes =
        !check.layers[child].code_field.empty() && !check.layers[parent].code_field.empty();
    const CodeIndex codes(parents, false), stripped(parents, true);
    GdalMessages quiet;
    std::size_t by_point = 0, by_area = 0, by_prefix = 0, agrees = 0, by_stripped = 0;
    for (std::size_t i = 0; i < kids.size(); ++i) {
        const AreaShape& kid = kids[i];
        Fit fit;
        if (const OGRGeometry* point = interior_points[i].get()) {
            const OGRPoint& at = *point->toPoint();
            for (std::size_t k = 0; k < parents.size(); ++k) {
                const OGREnvelope& box = parents[k].envelope;
                if (at.getX() < box.MinX || at.getX() > box.MaxX || at.getY() < box.MinY ||
                    at.getY() > box.MaxY)
                    continue;
                if (!prepared.contains(k, at)) continue;
                if (++fit.hits == 1) fit.point_parent = static_cast<int>(k);
            }
        }
        if (fit.hits != 1) fit.point_parent = -1;
        if (fit.point_parent >= 0) {
            const auto k = static_cast<std::size_t>(fit.point_parent);
            double inside = 1.0;
            if (!prepared.contains(k, *kid.geometry)) {
                std::unique_ptr<OGRGeometry> common(
                    parents[k].geometry->Intersection(kid.geometry.get()));
                inside = common && kid.area > 0 ? OGR_G_Area(handle(*common)) / kid.area : 0.0;
            }
            fit.held = inside >= kHeldArea;
            ++by_point;
            if (fit.held) ++by_area;
        }
        if (out.nesting.codes) {
            fit.prefix_parent = codes.parent_of(kid.code);
            if (fit.prefix_parent >= 0) ++by_prefix;
            if (fit.prefix_parent >= 0 && fit.prefix_parent == fit.point_parent) ++agrees;
            if (stripped.parent_of(kid.code) >= 0) ++by_stripped;
        }
        out.fits.push_back(fit);
    }
    out.nesting.by_point = share(by_point, kids.size());
    out.nesting.by_area = share(by_area, kids.size());
    out.nesting.by_prefix = share(by_prefix, kids.size());
    out.nesting.prefix_agrees = share(agrees, kids.size());
    out.nesting.by_prefix_without_zeros = share(by_stripped, kids.size());
    return out;
}

// ---------------------------------------------------------------------------------------------
// 2. Choosing each layer's parent

std::string geometry_evidence(const Nesting& nesting, const std::string& parent_level) {
    std::string text = percent(nesting.by_area) + " of features have their interior point and " +
                       percent(kHeldArea) + " of their area or more in one " + parent_level + ", " +
                       percent(nesting.by_point) + " their interior point in exactly one";
    if (!nesting.codes) return text + "; no codes to compare";
    text += "; " + percent(nesting.by_prefix) + " of codes start with a " + parent_level + " code";
    if (nesting.by_prefix_without_zeros > nesting.by_prefix)
        text += " (" + percent(nesting.by_prefix_without_zeros) + " with the " + parent_level +
                " codes' trailing zeros dropped)";
    return text;
}

std::string prefix_evidence(const Nesting& nesting, const std::string& parent_level) {
    return percent(nesting.by_prefix) + " of codes start with a " + parent_level + " code, " +
           percent(nesting.prefix_agrees) + " with the code of the " + parent_level +
           " that holds their interior point";
}

void add_example(FeatureCount& into, const AreaShape& shape, std::string detail) {
    if (into.count++ < kExamples)
        into.examples.push_back(
            {shape.code, shape.name == shape.code ? std::string() : shape.name, std::move(detail)});
}

// The level of `child` under `parent` as `by` gives it: evidence and orphans.
Level level_under(const CityCheck& check, const PairFits& pair, ParentBy by,
                  const std::vector<AreaShape>& kids) {
    const Nesting& nesting = pair.nesting;
    const std::string& parent_level = check.layers[nesting.parent].level;
    Level level;
    level.layer = nesting.child;
    level.parent = nesting.parent;
    level.parent_by = by;
    if (by == ParentBy::prefix) {
        level.evidence = prefix_evidence(nesting, parent_level);
        if (nesting.by_area < kNests)
            level.evidence += "; but only " + percent(nesting.by_area) +
                              " lie in one by geometry: check the layers' coordinates";
    } else {
        level.evidence = geometry_evidence(nesting, parent_level);
    }
    for (std::size_t i = 0; i < kids.size(); ++i) {
        const Fit& fit = pair.fits[i];
        if (by == ParentBy::prefix) {
            if (fit.prefix_parent < 0)
                add_example(level.orphans, kids[i], "no " + parent_level + " code is a prefix");
        } else if (fit.hits == 0) {
            add_example(level.orphans, kids[i], "its interior point is in no " + parent_level);
        } else if (fit.hits > 1) {
            ++level.in_several;
        }
    }
    return level;
}

// ---------------------------------------------------------------------------------------------
// 3. Naming the hierarchies

void name_hierarchies(CityCheck& check, std::vector<Level>& levels,
                      const std::map<std::size_t, std::size_t>& child_of) {
    // Roots in coarse-to-fine order, each with the length of its chain.
    struct Root {
        std::size_t level;
        std::size_t length = 1;
    };
    std::map<std::size_t, std::size_t> level_of_layer;
    for (std::size_t k = 0; k < levels.size(); ++k)
        level_of_layer.emplace(levels[k].layer, k);
    std::vector<Root> roots;
    for (std::size_t k = 0; k < levels.size(); ++k) {
        if (levels[k].parent) continue;
        Root root{k};
        for (auto at = child_of.find(levels[k].layer); at != child_of.end();
             at = child_of.find(at->second))
            ++root.length;
        roots.push_back(root);
    }
    const auto police_like = [&](const Root& root) {
        return !check.layers[levels[root.level].layer].police_hint.empty();
    };
    std::optional<std::size_t> admin, police;
    for (std::size_t r = 0; r < roots.size(); ++r) {
        if (police_like(roots[r])) {
            if (!police) police = r;
        } else if (!admin || roots[r].length > roots[*admin].length) {
            admin = r;
        }
    }
    std::size_t non_police = 0;
    for (const Root& root : roots)
        non_police += police_like(root) ? 0 : 1;

    std::vector<Level> ordered;
    std::vector<std::size_t> order;
    if (admin) order.push_back(*admin);
    if (police) order.push_back(*police);
    for (std::size_t r = 0; r < roots.size(); ++r)
        if (r != admin.value_or(roots.size()) && r != police.value_or(roots.size()))
            order.push_back(r);
    for (std::size_t r : order) {
        const LayerSummary& first = check.layers[levels[roots[r].level].layer];
        std::string hierarchy, reason;
        if (admin && r == *admin) {
            hierarchy = "admin";
            reason = non_police == 1 ? "the one hierarchy that does not look like police"
                                     : "the longest chain of nesting layers that does not look "
                                       "like police";
        } else if (police && r == *police) {
            hierarchy = "police";
            reason = "its first level looks like police: " + first.police_hint;
            if (admin) reason += "; it nests in no administrative layer";
        } else {
            hierarchy = first.level;
            reason = "nests in no other hierarchy: one of its own, named after its first level";
        }
        for (std::size_t at = roots[r].level;;) {
            Level level = levels[at];
            level.hierarchy = hierarchy;
            level.hierarchy_reason = reason;
            ordered.push_back(std::move(level));
            auto next = child_of.find(levels[at].layer);
            if (next == child_of.end()) break;
            at = level_of_layer.at(next->second);
        }
    }
    check.levels = std::move(ordered);
}

}  // namespace

void find_nesting(CityCheck& check, const std::vector<std::vector<AreaShape>>& shapes) {
    std::vector<std::size_t> candidates;
    bool many = false;
    for (std::size_t k = 0; k < check.layers.size(); ++k) {
        if (!check.layers[k].polygons || shapes[k].empty()) continue;
        candidates.push_back(k);
        many = many || shapes[k].size() > 1;
    }
    for (std::size_t k : candidates) {
        if (many && shapes[k].size() == 1) {
            check.layers[k].outline = true;
            check.notes.push_back(check.layers[k].name +
                                  ": one feature among layers of many: taken for the city's "
                                  "outline, not a level");
        } else {
            check.coarse_to_fine.push_back(k);
        }
    }
    std::stable_sort(check.coarse_to_fine.begin(), check.coarse_to_fine.end(),
                     [&](std::size_t a, std::size_t b) {
                         if (check.layers[a].median_area_km2 != check.layers[b].median_area_km2)
                             return check.layers[a].median_area_km2 >
                                    check.layers[b].median_area_km2;
                         return shapes[a].size() < shapes[b].size();
                     });

    // Level keys are unique: a later layer with a key already taken gets _2, _3 ….
    std::set<std::string> keys;
    for (std::size_t k : check.coarse_to_fine) {
        LayerSummary& layer = check.layers[k];
        std::string key = layer.level;
        for (int n = 2; keys.count(key); ++n)
            key = layer.level + "_" + std::to_string(n);
        if (key != layer.level) {
            layer.level_reason +=
                "; '" + key.substr(layer.level.size()) + "' added: another layer has the same key";
            layer.level = key;
        }
        keys.insert(key);
    }

    const auto& order = check.coarse_to_fine;
    std::map<std::size_t, PreparedLayer> prepared;
    std::map<std::pair<std::size_t, std::size_t>, PairFits> pairs;
    for (std::size_t i = 1; i < order.size(); ++i) {
        const std::size_t child = order[i];
        std::vector<std::unique_ptr<OGRGeometry>> points;
        {
            GdalMessages quiet;
            for (const AreaShape& shape : shapes[child])
                points.emplace_back(
                    OGRGeometry::FromHandle(OGR_G_PointOnSurface(handle(*shape.geometry))));
        }
        for (std::size_t j = 0; j < i; ++j) {
            const std::size_t parent = order[j];
            auto prepared_parent = prepared.try_emplace(parent, shapes[parent]).first;
            PairFits fits = measure(check, child, parent, shapes[child], shapes[parent], points,
                                    prepared_parent->second);
            check.nesting.push_back(fits.nesting);
            pairs.emplace(std::pair{child, parent}, std::move(fits));
        }
    }

    std::vector<Level> levels;
    std::map<std::size_t, std::size_t> child_of;  // parent layer → its child layer
    for (std::size_t i = 0; i < order.size(); ++i) {
        const std::size_t child = order[i];
        std::optional<Level> chosen;
        const PairFits* closest = nullptr;
        for (std::size_t j = i; j-- > 0;) {
            const PairFits& pair = pairs.at({child, order[j]});
            const Nesting& n = pair.nesting;
            const auto best = [](const Nesting& x) { return std::max(x.by_area, x.by_prefix); };
            if (!closest || best(n) > best(closest->nesting)) closest = &pair;
            const bool by_geometry = n.by_area >= kNests;
            const bool by_prefix = n.codes && n.by_prefix >= kNests;
            if (!by_geometry && !by_prefix) continue;
            ParentBy by = ParentBy::geometry;
            if (n.codes && n.by_prefix >= kParentByPrefix && n.prefix_agrees >= kParentByPrefix)
                by = ParentBy::prefix;
            else if (!by_geometry)
                by = ParentBy::prefix;
            chosen = level_under(check, pair, by, shapes[child]);
            break;
        }
        if (chosen && child_of.count(*chosen->parent)) {
            const std::size_t parent = *chosen->parent;
            const std::string taken = check.layers[child_of.at(parent)].level;
            chosen->evidence = "nests in " + check.layers[parent].level + " by " +
                               std::string(describe(chosen->parent_by)) + " (" + chosen->evidence +
                               "), but " + taken + " is already the level " + "below " +
                               check.layers[parent].level +
                               ", and a hierarchy has one layer a level: merge the layers of one "
                               "level into one";
            chosen->parent.reset();
            chosen->parent_by = ParentBy::none;
            chosen->orphans = {};
            chosen->in_several = 0;
        }
        if (!chosen) {
            chosen = Level{};
            chosen->layer = child;
            if (i == 0) {
                chosen->evidence = "the coarsest layer";
            } else {
                const Nesting& n = closest->nesting;
                chosen->evidence = "nests in no coarser layer; the closest is " +
                                   check.layers[n.parent].level + ": " +
                                   geometry_evidence(n, check.layers[n.parent].level);
            }
        }
        if (chosen->parent) child_of.emplace(*chosen->parent, child);
        levels.push_back(std::move(*chosen));
    }
    name_hierarchies(check, levels, child_of);
}

const Nesting* CityCheck::nesting_of(std::size_t child, std::size_t parent) const {
    for (const Nesting& pair : nesting)
        if (pair.child == child && pair.parent == parent) return &pair;
    return nullptr;
}

std::string_view describe(ParentBy by) {
    switch (by) {
        case ParentBy::prefix:
            return "prefix";
        case ParentBy::geometry:
            return "geometry";
        case ParentBy::none:
            return "none";
    }
    return "none";
}

}  // namespace citywall::city
