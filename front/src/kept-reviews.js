// The proofs this phone sent for a person to check, kept so that the pass page can say
// where they are and take the pass once approved (even after the tab was closed).
const KEY = "tbc.reviews";

export function keptReviews() {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY));
    return Array.isArray(kept) ? kept.filter((review) => typeof review?.id === "string") : [];
  } catch {
    return [];
  }
}

function write(reviews) {
  try {
    localStorage.setItem(KEY, JSON.stringify(reviews));
  } catch {
    // storage full or refused: the review page's address still works
  }
}

export function keepReview(id, sentOn) {
  const others = keptReviews().filter((review) => review.id !== id);
  write([...others, { id, sent_on: sentOn }]);
}

export function forgetReview(id) {
  write(keptReviews().filter((review) => review.id !== id));
}
