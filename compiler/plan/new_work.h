#pragma once
// After an edit, the steps whose keys are new are the ones the user waits for. new_work picks
// them out as a plan of their own, so that `dgxpx build` can hand ninja a graph of a few edges
// first instead of making it load and stat the whole project before the first of them starts.
#include "compiler/plan/plan_store.h"
#include "compiler/plan/planner.h"

namespace dgxpx::plan {

/// Every asset of `plan` with a step whose spec file `existing` does not list (a key never
/// planned before), with all of that asset's steps, so that the result is a closed graph: a
/// pack's frames are in it. Steps and records keep the plan's order and content (spec JSON
/// included). Empty when nothing is new.
Plan new_work(const Plan& plan, const SpecFiles& existing);

}  // namespace dgxpx::plan
